// Live event streams (text/event-stream): a customer's orders, one order, a shop's queue and its
// agent. Each stream follows rows of the store's event feed (StreamEventRecord, durable
// increasing ids) after the last id it sent: the EventFeed only wakes it, and it reads what is
// new on the stream workers, so a wake missed or doubled loses or repeats nothing, and a client
// resumes with Last-Event-ID after a disconnect or a restart. Also the single-use stream
// tickets a browser's EventSource opens them with.
#include "cloud/orders/event_feed.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "cloud/storage/ids.h"
#include "common/util/encoding.h"
#include "common/util/error.h"
#include "common/util/log.h"

#include <array>
#include <mutex>
#include <utility>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

constexpr std::string_view kPrefix = "/api/v1/";

/// The path split at '/' (no empty segments are allowed).
std::vector<std::string_view> pathSegments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) {
      break;
    }
    path.remove_prefix(slash + 1);
  }
  return out;
}

/// An event stream as an object of the store's feed after `lastId`, pushing to its sink.
class StreamSubscription : public std::enable_shared_from_this<StreamSubscription> {
public:
  StreamSubscription(Store& store, LiveEventServices services, StreamTarget target,
                     std::int64_t lastId)
      : store_(store), services_(std::move(services)), target_(std::move(target)), lastId_(lastId) {
  }

  /// Starts following the feed with `sink`, then reads what is already there after lastId.
  void start(std::shared_ptr<EventSink> sink) {
    {
      std::lock_guard lock(mutex_);
      sink_ = sink;
    }
    auto id = services_.feed->subscribe(target_.topic, target_.key,
                                        [self = shared_from_this()] { self->wake(); });
    {
      std::lock_guard lock(mutex_);
      feedId_ = id;
      if (stopped_) {
        services_.feed->unsubscribe(id);
        return;
      }
    }
    wake();
  }

  /// The stream ended: no more reads, and the feed forgets it.
  void stop() {
    std::uint64_t id = 0;
    {
      std::lock_guard lock(mutex_);
      stopped_ = true;
      sink_.reset();
      id = std::exchange(feedId_, 0);
    }
    if (id != 0) {
      services_.feed->unsubscribe(id);
    }
  }

  /// Something may be new: read it on a stream worker (one read at a time per stream).
  void wake() {
    {
      std::lock_guard lock(mutex_);
      if (stopped_) {
        return;
      }
      if (reading_) {
        again_ = true;
        return;
      }
      reading_ = true;
    }
    if (!services_.post([self = shared_from_this()] { self->readNew(); })) {
      closeSink(); // no worker can take it: the client resumes with Last-Event-ID
    }
  }

private:
  /// Reads and pushes what is new, as long as wakes came meanwhile.
  void readNew() {
    int pushed = 0;
    while (true) {
      bool more = false;
      try {
        more = readBatch(pushed);
      } catch (const std::exception& e) {
        log::error(std::string("event stream read failed: ") + e.what());
        closeSink();
        return;
      }
      if (pushed >= kMaxPerRead) {
        // A long replay: the rest comes after a reconnect, so the queue never grows unbounded.
        closeSink();
        return;
      }
      std::lock_guard lock(mutex_);
      if (stopped_) {
        return;
      }
      if (!more && !again_) {
        reading_ = false;
        return;
      }
      again_ = false;
    }
  }

  /// One batch after lastId; true when there may be more.
  bool readBatch(int& pushed) {
    std::shared_ptr<EventSink> sink;
    std::int64_t after = 0;
    {
      std::lock_guard lock(mutex_);
      sink = sink_;
      after = lastId_;
    }
    if (!sink) {
      return false;
    }
    auto tx = store_.beginRead();
    const auto events = tx->streamEventsAfter(target_.filter, after, kBatch);
    for (const auto& event : events) {
      StreamEvent out{std::to_string(event.id), event.kind, dumpJson(eventData(*tx, event))};
      if (!sink->push(out)) {
        stop();
        return false;
      }
      ++pushed;
      std::lock_guard lock(mutex_);
      lastId_ = event.id;
    }
    tx->commit();
    return static_cast<int>(events.size()) == kBatch && pushed < kMaxPerRead;
  }

  /// The event's data: an order as its GET renders it with the state entered, or the agent's
  /// change.
  json eventData(StoreTransaction& tx, const StreamEventRecord& event) const {
    if (event.kind == "order") {
      json order = json::object();
      if (const auto view = tx.findOrderView(event.orderId, target_.withHistory)) {
        order = render::orderJson(*view, target_.withHistory);
        if (target_.filter.storeId.size() > 0) {
          order["customer_id"] = view->order.customerId;
        }
      }
      return json{{"order", std::move(order)}, {"state", event.state}, {"at", event.at}};
    }
    json data = json::parse(event.dataJson, nullptr, false);
    if (!data.is_object()) {
      data = json::object();
    }
    data["store_id"] = event.storeId;
    data["state"] = event.state;
    data["at"] = event.at;
    return data;
  }

  void closeSink() {
    std::shared_ptr<EventSink> sink;
    {
      std::lock_guard lock(mutex_);
      sink = sink_;
    }
    if (sink) {
      sink->close(); // its onClose stops this
    }
    stop();
  }

  static constexpr int kBatch = 100;
  /// Events one read pushes at most (below the stream's queue).
  static constexpr int kMaxPerRead = 500;

  Store& store_;
  LiveEventServices services_;
  StreamTarget target_;
  std::mutex mutex_;
  std::shared_ptr<EventSink> sink_;
  std::int64_t lastId_;
  std::uint64_t feedId_ = 0;
  bool reading_ = false;
  bool again_ = false;
  bool stopped_ = false;
};

/// The Last-Event-ID the client resumes after (header, else ?last_event_id=); nullopt when it
/// sent none. ApiError 400 for anything but an id this cloud could have sent.
std::optional<std::int64_t> lastEventIdOf(const HttpRequest& request) {
  const auto headers = request.headerValues("Last-Event-ID");
  if (headers.size() > 1) {
    throw ApiError(400, "invalid_request", "send at most one Last-Event-ID header");
  }
  std::string text = headers.empty() ? std::string() : headers.front();
  if (text.empty()) {
    text = queryParam(request, "last_event_id").value_or("");
  }
  if (text.empty()) {
    return std::nullopt;
  }
  if (text.size() > 18 || text.find_first_not_of("0123456789") != std::string::npos) {
    throw ApiError(400, "invalid_request",
                   "Last-Event-ID must be the id of an event this stream sent");
  }
  return std::stoll(text);
}

} // namespace

StreamTarget Api::authorizeStream(StoreTransaction& tx, const Principal& principal,
                                  const std::string& path) {
  if (path.size() > 256 || path.compare(0, kPrefix.size(), kPrefix) != 0) {
    throw ApiError(400, "invalid_request", "'path' must be one of the event stream paths");
  }
  const auto s = pathSegments(std::string_view(path).substr(kPrefix.size()));
  StreamTarget target;
  auto requireRole = [&](RoleSet roles) { Authenticator::require(principal, roles); };
  if (s.size() == 2 && s[0] == "orders" && s[1] == "events") {
    requireRole({Role::Customer});
    target.topic = EventFeed::Topic::Customer;
    target.key = target.filter.customerId = principal.subject;
    return target;
  }
  if (s.size() == 3 && s[0] == "orders" && s[2] == "events" && !s[1].empty()) {
    requireRole({Role::Customer, Role::Shopkeeper, Role::Admin});
    const std::string orderId(s[1]);
    std::optional<OrderRecord> order;
    if (isWellFormedId(orderId)) {
      order = tx.findOrder(orderId);
    }
    const bool allowed =
        order && (principal.role == Role::Admin ||
                  (principal.role == Role::Customer && order->customerId == principal.subject) ||
                  (principal.role == Role::Shopkeeper && principal.managesStore(order->storeId)));
    if (!allowed) {
      // Someone else's order looks exactly like one that does not exist.
      throw ApiError(404, "order_not_found", "no such order");
    }
    target.topic = EventFeed::Topic::Order;
    target.key = target.filter.orderId = orderId;
    target.withHistory = true;
    return target;
  }
  if (s.size() == 4 && s[0] == "shop" && s[1] == "stores" && s[3] == "events" && !s[2].empty()) {
    requireRole({Role::Shopkeeper, Role::Admin});
    const std::string storeId(s[2]);
    if (!principal.managesStore(storeId)) {
      throw ApiError(403, "forbidden", "a shopkeeper manages only the stores they are assigned");
    }
    existingStore(tx, storeId);
    target.topic = EventFeed::Topic::Store;
    target.key = target.filter.storeId = storeId;
    return target;
  }
  throw ApiError(400, "invalid_request", "'path' must be one of the event stream paths");
}

void Api::openEventStream(RequestContext& ctx) {
  if (!live_.feed || !live_.post) {
    throw ApiError(503, "streams_unavailable", "event streams are not served here");
  }
  auto tx = store_.beginRead();
  StreamTarget target = authorizeStream(*tx, ctx.principal, ctx.request.path);
  const auto resumeAfter = lastEventIdOf(ctx.request);
  const std::int64_t newest = tx->lastStreamEventId();
  tx->commit();
  // A fresh stream starts after the newest event; an id from the future counts as the newest.
  const std::int64_t after = resumeAfter ? std::min(*resumeAfter, newest) : newest;
  auto subscription = std::make_shared<StreamSubscription>(store_, live_, std::move(target), after);
  auto start = std::make_shared<EventStreamStart>();
  start->start = [subscription](std::shared_ptr<EventSink> sink) {
    subscription->start(std::move(sink));
  };
  start->onClose = [subscription] { subscription->stop(); };
  ctx.response.events = std::move(start);
}

void Api::customerOrderEvents(RequestContext& ctx) {
  openEventStream(ctx);
}

void Api::orderEvents(RequestContext& ctx) {
  openEventStream(ctx);
}

void Api::storeEvents(RequestContext& ctx) {
  openEventStream(ctx);
}

void Api::createStreamTicket(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  rejectUnknownFields(body, {"path"});
  const std::string path = requiredString(body, "path", 256);
  auto tx = store_.begin();
  const UserRecord user = callingUser(*tx, ctx);
  authorizeStream(*tx, ctx.principal, path); // the same answer the stream would give now
  tx->deleteExpiredStreamTickets(now());
  const std::string ticket = randomToken(32);
  StreamTicketRecord record;
  record.ticketHash = sha256Hex(ticket);
  record.userId = user.id;
  record.sessionId = ctx.principal.sessionId;
  record.path = path;
  record.createdAt = now();
  record.expiresAt = record.createdAt + kStreamTicketSeconds;
  tx->insertStreamTicket(record);
  tx->commit();
  replyJson(ctx.response, 201, json{{"ticket", ticket}, {"expires_in", kStreamTicketSeconds}});
}

Principal Api::redeemStreamTicket(const HttpRequest& request) {
  const std::string ticket = queryParam(request, "ticket").value_or("");
  // Tickets are 256 random bits, so looking their SHA-256 up by equality reveals nothing useful.
  if (ticket.empty() || ticket.size() > 128) {
    throw ApiError(401, "invalid_ticket", "unknown or used stream ticket");
  }
  auto tx = store_.begin();
  const auto record = tx->findStreamTicket(sha256Hex(ticket));
  if (!record || record->usedAt) {
    throw ApiError(401, "invalid_ticket", "unknown or used stream ticket");
  }
  // Spent on first sight, whatever follows: a ticket seen in a log opens nothing.
  if (!tx->markStreamTicketUsed(record->ticketHash, now())) {
    throw ApiError(401, "invalid_ticket", "unknown or used stream ticket");
  }
  tx->commit();
  if (record->expiresAt <= now()) {
    throw ApiError(401, "ticket_expired", "the stream ticket expired; take a new one");
  }
  if (record->path != request.path) {
    throw ApiError(401, "invalid_ticket", "this stream ticket opens another stream");
  }
  auto read = store_.beginRead();
  const auto user = read->findUser(record->userId);
  if (!user || user->deactivatedAt) {
    throw Error("account_deactivated", "this account has been deactivated");
  }
  const auto session = read->findSession(record->sessionId);
  if (!session || session->revokedAt || session->expiresAt <= now()) {
    throw Error("token_revoked", "the session this ticket was taken in has ended");
  }
  const auto role = userRoleFromString(user->role);
  if (!role) {
    throw Error("token_revoked", "this account's role changed; sign in again");
  }
  Principal p;
  p.role = *role;
  p.subject = user->id;
  p.sessionId = session->id;
  p.emailVerified = user->emailVerifiedAt.has_value();
  if (p.role == Role::Shopkeeper) {
    p.storeIds = read->storesOfUser(user->id);
  }
  read->commit();
  return p;
}

void Api::setLiveEvents(LiveEventServices services) {
  live_ = std::move(services);
  if (EventFeed* feed = live_.feed) {
    orderHooks_.orderChanged = [feed](const OrderRecord& order) {
      feed->orderChanged(order.id, order.storeId, order.customerId);
    };
  }
}

void Api::recordPrintersEvent(StoreTransaction& tx, const std::string& storeId,
                              const std::string& printersJson) {
  json printers = json::parse(printersJson, nullptr, false);
  if (!printers.is_array()) {
    printers = json::array();
  }
  appendAgentEvent(tx, storeId, "printers", dumpJson(json{{"printers", std::move(printers)}}),
                   now());
}

void Api::publishStore(const std::string& storeId) {
  if (live_.feed) {
    live_.feed->publish(EventFeed::Topic::Store, storeId);
  }
}

} // namespace printrelay::cloud
