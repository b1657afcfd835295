// Routes of an agent's job flow: the long-poll for jobs, the ciphertext download, status events
// (the page count among them), a reprint asked at the printer.
#include "cloud/orders/order_documents.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "common/crypto/envelope.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <span>
#include <string_view>
#include <sys/stat.h>
#include <unistd.h>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

std::int64_t waitSeconds(const HttpRequest& request, std::int64_t cap) {
  if (request.queryCount("wait") == 0) {
    return 0;
  }
  return std::min(wholeNumberParam("wait", request.queryValue("wait"), 0, 999'999'999), cap);
}

/// The order state each event state of an agent's report moves the order to ("counted" is
/// handled apart: it does not move the order by itself).
constexpr std::array<std::pair<std::string_view, OrderState>, 5> kEventTargets{{
    {"printing", OrderState::Printing},
    {"printed", OrderState::Printed},
    {"failed", OrderState::Failed},
    {"released", OrderState::Queued},
    {"outcome_unknown", OrderState::OutcomeUnknown},
}};

std::optional<OrderState> targetState(std::string_view eventState) {
  for (const auto& [name, state] : kEventTargets) {
    if (name == eventState) {
      return state;
    }
  }
  return std::nullopt;
}

std::string historyNote(const protocol::JobEvent& event) {
  std::string note = "agent: " + event.state;
  if (!event.printer.empty()) {
    note += " on " + event.printer;
  }
  if (event.spoolerJobId) {
    note += " (spooler job " + std::to_string(*event.spoolerJobId) + ")";
  }
  if (!event.message.empty()) {
    note += ": " + event.message;
  }
  if (event.state == "outcome_unknown") {
    note += " [last spooler state: " +
            (event.spoolerState.empty() ? std::string("none seen") : event.spoolerState);
    if (event.spoolerSeenAt) {
      note += " at " + std::to_string(*event.spoolerSeenAt);
    }
    if (event.bytesSent) {
      note += "; " + std::to_string(*event.bytesSent) + " bytes sent";
    }
    note += "]";
  }
  return note;
}

} // namespace

std::optional<json> Api::claimNextJob(const Principal& agent) {
  auto tx = store_.begin();
  OrderService orders = orderService(*tx);
  orders.expireLeases(agent.storeId);
  auto job = tx->nextQueuedJob(agent.storeId);
  if (!job) {
    orders.commit(); // keeps the expired leases returned to the queue
    return std::nullopt;
  }
  auto order = tx->findOrder(job->orderId);
  if (!order) {
    throw Error("store_corrupt", "job " + job->id + " has no order");
  }
  job = orders.dispatch(*order, agent.subject);
  protocol::JobOffer offer;
  const json options = json::parse(order->optionsJson, nullptr, false);
  if (!options.is_discarded()) {
    offer.options = options.get<protocol::PrintOptions>();
  }
  addDocumentFieldsToOffer(*tx, *order, offer.options, offer);
  orders.commit();
  log::job(log::Level::Info, job->id,
           "handed to agent " + agent.subject + " (lease until " +
               std::to_string(job->leaseExpiresAt) + ")");

  offer.jobId = job->id;
  offer.orderId = order->id;
  offer.leaseId = job->leaseId;
  offer.leaseExpiresAt = job->leaseExpiresAt;
  offer.ackBy = job->leaseExpiresAt; // until acknowledged, the lease ends with the deadline
  offer.documentName = order->documentName;
  offer.contentType = order->contentType;
  offer.envelopeSize = order->documentSize.value_or(0);
  offer.keyId = order->keyId;
  return json(offer);
}

std::chrono::steady_clock::time_point Api::nextLeaseCheck(const std::string& storeId) {
  // A job another agent of this store holds comes back when its lease runs out: look then too.
  auto tx = store_.beginRead();
  if (const auto expiry = tx->nextLeaseExpiry(storeId); expiry) {
    const auto inSeconds = std::max<std::int64_t>(1, *expiry - now() + 1);
    return std::chrono::steady_clock::now() + std::chrono::seconds(inSeconds);
  }
  return std::chrono::steady_clock::time_point::max();
}

std::optional<std::chrono::steady_clock::time_point> Api::offerToParkedPoll(const Principal& agent,
                                                                            HeldRequest& held) {
  if (!held.isOpen()) {
    return std::nullopt;
  }
  const auto offer = claimNextJob(agent);
  if (!offer) {
    return nextLeaseCheck(agent.storeId);
  }
  const std::string jobId = offer->at("job_id").get<std::string>();
  const std::string leaseId = offer->at("lease_id").get<std::string>();
  // The offer's write may fail on an I/O thread: the hand-back runs on the hub's thread.
  const auto handBack = [this, jobId, leaseId] {
    hub_.post([this, jobId, leaseId] { handBackOffer(jobId, leaseId); });
  };
  HttpResponse response;
  replyJson(response, 200, {{"jobs", json::array({*offer})}});
  if (!held.answer(std::move(response), [handBack](bool written) {
        if (!written) {
          handBack();
        }
      })) {
    handBack();
  }
  return std::nullopt;
}

void Api::handBackOffer(const std::string& jobId, const std::string& leaseId) {
  auto tx = store_.begin();
  OrderService orders = orderService(*tx);
  orders.handBackLease(jobId, leaseId);
  orders.commit(); // wakes the store's polls when the job is queued again
}

void Api::pollJobs(RequestContext& ctx) {
  using SteadyClock = std::chrono::steady_clock;
  const std::int64_t wait = waitSeconds(ctx.request, settings_.longPollMaxSeconds);
  const std::string& storeId = ctx.principal.storeId;
  // The ticket is taken before looking, so a job queued in between still wakes the wait.
  const std::uint64_t ticket = hub_.ticket(storeId);
  if (auto offer = claimNextJob(ctx.principal); offer) {
    replyJson(ctx.response, 200, {{"jobs", json::array({*offer})}});
    return;
  }
  replyJson(ctx.response, 200, {{"jobs", json::array()}});
  if (wait <= 0) {
    return;
  }
  // No job yet: the request is parked (no thread held) and the hub's dispatcher thread offers it
  // the store's next job.
  const auto deadline = SteadyClock::now() + std::chrono::seconds(wait);
  const auto recheck = nextLeaseCheck(storeId);
  auto hold = std::make_shared<Hold>();
  hold->timeout = std::chrono::seconds(wait);
  hold->timeoutResponse = ctx.response;
  hold->drainResponse.emplace();
  hold->drainResponse->status = 503;
  hold->drainResponse->setBody(
      errorBody("shutting_down", "the cloud is stopping; poll again shortly"), "application/json");
  auto parkedId = std::make_shared<std::atomic<std::uint64_t>>(0);
  hold->start = [this, agent = ctx.principal, ticket, deadline, recheck,
                 parkedId](std::shared_ptr<HeldRequest> held) {
    const std::uint64_t id =
        hub_.park(agent.storeId, ticket, recheck, deadline,
                  [this, agent, held]() { return offerToParkedPoll(agent, *held); });
    if (id == 0) {
      // The hub is shut down: the server is draining and answers the hold (no job).
      return;
    }
    parkedId->store(id);
  };
  hold->onCancel = [this, storeId, parkedId] { hub_.unpark(storeId, parkedId->load()); };
  ctx.response.hold = std::move(hold);
}

void Api::getJobDocument(RequestContext& ctx) {
  const std::string jobId = ctx.pathParam(0);
  std::string orderId;
  {
    auto tx = store_.begin();
    OrderService orders = orderService(*tx);
    orders.expireLeases(ctx.principal.storeId);
    const JobRecord job = agentJob(*tx, ctx, jobId);
    const auto order = tx->findOrder(job.orderId);
    orders.commit();
    const bool leased =
        order && (order->state == OrderState::Dispatched || order->state == OrderState::Printing) &&
        !job.leaseId.empty();
    const std::string asked = ctx.request.queryValue("lease_id");
    if (!leased || (!asked.empty() && asked != job.leaseId)) {
      throw ApiError(409, "lease_expired", "this job is not leased to you (any more)");
    }
    orderId = job.orderId;
  }
  auto fd = std::make_shared<FileDescriptor>(documents_.open(orderId));
  struct stat st {};
  if (::fstat(fd->get(), &st) != 0) {
    throw Error("io_failed", "cannot stat the document of order " + orderId);
  }
  ctx.response.status = 200;
  ctx.response.setStream(static_cast<std::uint64_t>(st.st_size), std::string(envelope::kMediaType),
                         [fd](std::uint64_t offset, std::span<char> buffer) -> std::size_t {
                           const ssize_t n = ::pread(fd->get(), buffer.data(), buffer.size(),
                                                     static_cast<off_t>(offset));
                           return n > 0 ? static_cast<std::size_t>(n) : 0;
                         });
}

void Api::ackJobOffer(RequestContext& ctx) {
  const std::string leaseId =
      requiredString(parseJsonObject(ctx.body.readAll(kMaxJsonBody)), "lease_id", 128);
  auto tx = store_.begin();
  OrderService orders = orderService(*tx);
  // An offer whose deadline passed is taken back first: its late acknowledgement is refused.
  orders.expireLeases(ctx.principal.storeId);
  const JobRecord job = agentJob(*tx, ctx, ctx.pathParam(0));
  if (job.agentId != ctx.principal.subject) {
    orders.commit();
    throw ApiError(409, "lease_expired", "this job is not leased to you; drop it");
  }
  const JobRecord acked = orders.acknowledgeOffer(job.id, leaseId);
  orders.commit();
  log::job(log::Level::Info, acked.id,
           "offer acknowledged by agent " + ctx.principal.subject + " (lease until " +
               std::to_string(acked.leaseExpiresAt) + ")");
  replyJson(ctx.response, 200,
            {{"job_id", acked.id},
             {"order_id", acked.orderId},
             {"lease_id", acked.leaseId},
             {"lease_expires_at", acked.leaseExpiresAt}});
}

void Api::postJobEvent(RequestContext& ctx) {
  const std::string jobId = ctx.pathParam(0);
  const auto event = parseJsonObject(ctx.body.readAll(kMaxJsonBody)).get<protocol::JobEvent>();
  const std::string payload = dumpJson(json(event));
  const std::int64_t t = now();

  auto tx = store_.begin();
  OrderService orders = orderService(*tx);
  orders.expireLeases(ctx.principal.storeId);
  JobRecord job = agentJob(*tx, ctx, jobId);

  // A replay gets the first answer and changes nothing.
  if (const auto seen = tx->findJobEvent(job.id, event.seq); seen) {
    orders.commit();
    if (seen->payloadJson != payload) {
      throw ApiError(409, "event_conflict",
                     "event " + std::to_string(event.seq) + " was already sent with other content");
    }
    replyJson(ctx.response, 200, json::parse(seen->responseJson));
    return;
  }
  if (job.leaseId.empty() || job.leaseId != event.leaseId) {
    orders.commit();
    throw ApiError(409, "lease_expired", "the lease is no longer current; drop the job");
  }
  if (event.seq <= job.lastEventSeq) {
    throw ApiError(409, "event_out_of_order",
                   "seq " + std::to_string(event.seq) + " is not after the last event (" +
                       std::to_string(job.lastEventSeq) + ")");
  }
  auto order = tx->findOrder(job.orderId);
  if (!order) {
    throw Error("store_corrupt", "job " + job.id + " has no order");
  }
  if (event.state == "counted") {
    const json reply = countedEvent(orders, *tx, *order, job, event, payload, t);
    orders.commit();
    replyJson(ctx.response, 200, reply);
    return;
  }
  const auto known = targetState(event.state);
  if (!known) {
    throw ApiError(400, "invalid_request", "state " + event.state + " is not known here");
  }
  const OrderState target = *known;
  checkTransition(order->state, target);

  // What the event says about the job; the service then moves the order and its lease.
  job.lastEventSeq = event.seq;
  if (event.spoolerJobId) {
    job.spoolerJobId = event.spoolerJobId;
  }
  if (!event.printer.empty()) {
    job.printer = event.printer;
  }
  job.updatedAt = t;
  tx->updateJob(job);
  orders.agentReport(*order, target, historyNote(event), event.message);
  job = *tx->findJob(job.id);

  json reply{{"job_id", job.id},
             {"order_id", order->id},
             {"seq", event.seq},
             {"state", toString(target)},
             {"lease_expires_at", job.leaseId.empty() ? json(nullptr) : json(job.leaseExpiresAt)}};
  tx->insertJobEvent({job.id, event.seq, payload, dumpJson(reply), t});
  orders.commit();
  log::job(log::Level::Info, job.id,
           "agent reports " + event.state + "; order " + order->id + " is " +
               std::string(toString(target)));
  replyJson(ctx.response, 200, reply);
}

json Api::countedEvent(OrderService& orders, StoreTransaction& tx, OrderRecord& order,
                       JobRecord& job, const protocol::JobEvent& event, const std::string& payload,
                       std::int64_t at) {
  if (order.state != OrderState::Dispatched && order.state != OrderState::Printing) {
    throw ApiError(409, "illegal_transition",
                   "a count is reported before printing; the order is " +
                       std::string(toString(order.state)));
  }
  const int pages = event.pages.value_or(0);
  if (pages < 1) {
    throw ApiError(400, "invalid_request", "field 'pages' must be at least 1 with state counted");
  }
  const CountVerdict verdict = recordAgentCount(tx, order, pages, event.contentType);
  std::string note = "agent counted " + std::to_string(pages) + " page(s)";
  if (!event.contentType.empty()) {
    note += " of " + event.contentType;
  }
  if (!verdict.proceed) {
    note += ": " + verdict.message;
  }
  job.lastEventSeq = event.seq;
  job.updatedAt = at;
  tx.updateJob(job);
  orders.pagesCounted(order, verdict.proceed, note);
  job = *tx.findJob(job.id);

  json reply{{"job_id", job.id},
             {"order_id", order.id},
             {"seq", event.seq},
             {"state", toString(order.state)},
             {"order_state", toString(order.state)},
             {"proceed", verdict.proceed},
             {"lease_expires_at", job.leaseId.empty() ? json(nullptr) : json(job.leaseExpiresAt)}};
  if (!verdict.message.empty()) {
    reply["message"] = verdict.message;
  }
  tx.insertJobEvent({job.id, event.seq, payload, dumpJson(reply), at});
  log::job(log::Level::Info, job.id,
           note + (verdict.proceed ? "; proceed" : "; order " + order.id + " held"));
  return reply;
}

void Api::reprintJob(RequestContext& ctx) {
  const std::string reason = reasonField(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  const JobRecord job = agentJob(*tx, ctx, ctx.pathParam(0));
  OrderRecord order = *tx->findOrder(job.orderId);
  OrderService orders = orderService(*tx);
  orders.reprint(order, documents_,
                 withReason("reprint asked by agent " + ctx.principal.subject, reason));
  json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  reply["order_id"] = order.id;
  orders.commit();
  log::job(log::Level::Info, job.id,
           "reprint asked by agent " + ctx.principal.subject + "; order " + order.id +
               " queued again as job " + reply["job_id"].get<std::string>());
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
