// Routes for a customer's own orders: create, list, read, upload the document, cancel, the
// receipt. The cancel (cancelAndRead) and the paged order list (replyOrderPage) also serve the
// shop's routes.
#include "cloud/orders/lifecycle.h"
#include "cloud/orders/order_documents.h"
#include "cloud/orders/payments.h"
#include "cloud/orders/receipt.h"
#include "cloud/routes/api.h"
#include "cloud/routes/api_error.h"
#include "cloud/routes/json_body.h"
#include "cloud/routes/render.h"
#include "cloud/storage/ids.h"
#include "common/crypto/envelope.h"
#include "common/document/document.h"
#include "common/util/encoding.h"
#include "common/util/log.h"
#include "common/wire/protocol.h"

#include <algorithm>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

/// The optional "pages" of a new order: the client's own count of the document's pages.
std::optional<int> pagesField(const json& body) {
  const auto it = body.find("pages");
  if (it == body.end() || it->is_null()) {
    return std::nullopt;
  }
  if (!it->is_number_integer() || it->get<std::int64_t>() < 1 ||
      it->get<std::int64_t>() > protocol::kMaxPageNumber) {
    throw ApiError(400, "invalid_request",
                   "field 'pages' must be a whole number from 1 to " +
                       std::to_string(protocol::kMaxPageNumber));
  }
  return it->get<int>();
}

/// Turns the envelope's "too large" into the API's size error; other codes map by table.
[[noreturn]] void rethrowEnvelopeError(const Error& e) {
  if (e.code() == "envelope_too_large") {
    throw ApiError(413, "payload_too_large", e.what());
  }
  throw ApiError(statusForErrorCode(e.code()) == 500 ? 400 : statusForErrorCode(e.code()), e.code(),
                 e.what());
}

/// The order's options as stored (they were checked when the order was created).
protocol::PrintOptions optionsOf(const OrderRecord& order) {
  const json options = json::parse(order.optionsJson, nullptr, false);
  return options.is_object() ? options.get<protocol::PrintOptions>() : protocol::PrintOptions{};
}

/// Memory reserved up front for a plaintext upload (it grows from there up to the limit).
constexpr std::uint64_t kPlaintextReserve = 16 * 1024 * 1024;

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;

/// Who a cursor is for and what it says: the list it belongs to (a customer's or a store's)
/// and the sort, so a cursor works only where it was handed out.
struct CursorContext {
  std::string_view secret; ///< the key of its MAC (the operator's admin token)
  std::string scope;       ///< "customer:<id>" or "store:<id>"
  bool oldestFirst = false;
};

std::string cursorMac(const CursorContext& c, const std::string& payload) {
  return hs256Signature(asBytes(c.secret), "printrelay order-list cursor v1\n" + c.scope + "\n" +
                                               (c.oldestFirst ? "asc" : "desc") + "\n" + payload);
}

/// The opaque cursor: base64url of "<created_at>:<order id>" (the last order of the page), a
/// dot, and an HMAC-SHA256 over it and its context, so a cursor cannot be edited or moved to
/// another list or sort.
std::string encodeCursor(const CursorContext& c, const OrderRecord& last) {
  const std::string payload = std::to_string(last.createdAt) + ":" + last.id;
  return base64UrlEncode(asBytes(payload)) + "." + cursorMac(c, payload);
}

std::pair<std::int64_t, std::string> decodeCursor(const CursorContext& c,
                                                  const std::string& cursor) {
  const auto invalid = [] {
    return ApiError(400, "invalid_cursor",
                    "the cursor is not one this list handed out (pass next_cursor as it came, "
                    "with the same sort)");
  };
  const auto dot = cursor.find('.');
  if (cursor.size() > 200 || dot == std::string::npos) {
    throw invalid();
  }
  const auto bytes = base64UrlDecode(std::string_view(cursor).substr(0, dot));
  if (!bytes) {
    throw invalid();
  }
  const std::string payload(bytes->begin(), bytes->end());
  if (!constantTimeEquals(cursor.substr(dot + 1), cursorMac(c, payload))) {
    throw invalid();
  }
  const auto colon = payload.find(':');
  if (colon == std::string::npos) {
    throw invalid();
  }
  const std::string createdAt = payload.substr(0, colon);
  const std::string id = payload.substr(colon + 1);
  if (createdAt.empty() || createdAt.size() > 18 ||
      createdAt.find_first_not_of("0123456789") != std::string::npos || !isWellFormedId(id)) {
    throw invalid();
  }
  return {std::stoll(createdAt), id};
}

/// Every order state's API name, comma-separated, for an error that lists them.
std::string stateNames() {
  std::string names;
  for (int i = 0;; ++i) {
    const std::string_view name = toString(static_cast<OrderState>(i));
    if (name.empty()) {
      return names;
    }
    names += (names.empty() ? "" : ", ") + std::string(name);
  }
}

/// The "state" filter (`parameter`: "state", or its deprecated alias "status"): a
/// comma-separated list of order states.
std::vector<OrderState> statesParam(const std::string& parameter, const std::string& text) {
  std::vector<OrderState> states;
  std::size_t start = 0;
  for (;;) {
    const auto comma = text.find(',', start);
    const std::string name = text.substr(start, comma - start);
    const auto state = parseOrderState(name);
    if (!state) {
      throw ApiError(400, "invalid_request",
                     "query parameter '" + parameter + "' lists an unknown state '" +
                         name.substr(0, 40) + "' (" + stateNames() + ")");
    }
    if (std::find(states.begin(), states.end(), *state) == states.end()) {
      states.push_back(*state);
    }
    if (comma == std::string::npos) {
      return states;
    }
    start = comma + 1;
  }
}

} // namespace

void Api::createOrder(RequestContext& ctx) {
  const json body = parseJsonObject(ctx.body.readAll(kMaxJsonBody));
  if (!ctx.principal.emailVerified) {
    throw ApiError(403, "email_not_verified",
                   "confirm your e-mail address (follow the link we sent) before ordering");
  }
  rejectUnknownFields(body,
                      {"store_id", "document_name", "content_type", "options", "pages", "hold"});
  const std::string storeId = requiredString(body, "store_id", 64);
  // A file's name: whatever hides or disguises text is neutralised, not refused.
  const std::string documentName =
      nameField(body, "document_name", 255, NameRule::Neutralise, true);
  const std::string contentType = mediaTypeOf(requiredString(body, "content_type", 128));
  if (!isSupportedDocumentType(contentType)) {
    throw ApiError(400, "unsupported_media_type",
                   "content_type must be application/pdf, image/png, image/jpeg or text/plain "
                   "(PostScript is not taken: its pages cannot be counted)");
  }
  json customerOptions = json::object();
  if (const auto it = body.find("options"); it != body.end() && !it->is_null()) {
    it->get<protocol::PrintOptions>(); // bad options are refused before anything else
    customerOptions = *it;
  }
  const std::optional<int> declaredPages = pagesField(body);
  std::optional<bool> hold;
  if (const auto it = body.find("hold"); it != body.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      throw ApiError(400, "invalid_request", "field 'hold' must be true or false");
    }
    hold = it->get<bool>();
  }

  takeOrRefuse(ordersByUser_, ctx.principal.subject, ctx, "too_many_orders",
               "too many orders in the last hour");

  auto tx = store_.begin();
  const StoreRecord store = existingStore(*tx, storeId);
  if (store.keyId.empty()) {
    throw ApiError(409, "store_not_ready", "this store has no enrolled agent yet");
  }
  // The shop's defaults fill what the customer left out; the store's
  // printers must be able to print the result; a declared count must hold the page-ranges.
  const protocol::PrintOptions options = optionsWithDefaults(customerOptions, *tx, store.id);
  try {
    checkOptionsAgainstStore(*tx, store.id, options);
  } catch (const OptionsNotSupported& e) {
    replyJson(ctx.response, statusForErrorCode(e.code()), e.body());
    return;
  }
  if (declaredPages) {
    checkPageRanges(options, *declaredPages);
  }
  OrderRecord order;
  order.id = newId("ord");
  order.storeId = store.id;
  order.customerId = ctx.principal.subject;
  order.state = OrderState::AwaitingUpload;
  order.optionsJson = dumpJson(json(options));
  order.documentName = documentName;
  order.contentType = contentType;
  order.createdAt = order.updatedAt = now();
  OrderService orders = orderService(*tx);
  orders.create(order, "order created");
  OrderPagesRecord pages;
  pages.orderId = order.id;
  pages.clientPages = declaredPages;
  tx->putOrderPages(pages);
  recordHoldChoice(*tx, order, hold);
  const json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  orders.commit();
  replyJson(ctx.response, 201, reply);
}

void Api::listOrders(RequestContext& ctx) {
  replyOrderPage(ctx, "", false);
}

void Api::getOrder(RequestContext& ctx) {
  auto tx = store_.begin();
  OrderRecord order = ownedOrder(*tx, ctx, ctx.pathParam(0));
  OrderService orders = orderService(*tx);
  orders.expireLeases(order.storeId);
  order = *tx->findOrder(order.id);
  const json reply = render::orderJson(existingOrderView(*tx, order.id), true);
  orders.commit();
  replyJson(ctx.response, 200, reply);
}

void Api::uploadDocument(RequestContext& ctx) {
  // 1. Check everything that does not need the body.
  OrderRecord order;
  StoreRecord store;
  OrderPagesRecord pages;
  {
    auto tx = store_.beginRead();
    order = ownedOrder(*tx, ctx, ctx.pathParam(0));
    if (order.state == OrderState::Cancelled || order.state == OrderState::Expired) {
      throw ApiError(409, "order_ended",
                     "this order is " + std::string(toString(order.state)) + "; place a new one");
    }
    if (order.state != OrderState::AwaitingUpload) {
      throw ApiError(409, "document_already_uploaded",
                     "this order's document has already been uploaded");
    }
    store = *tx->findStore(order.storeId);
    pages = tx->findOrderPages(order.id).value_or(OrderPagesRecord{});
    pages.orderId = order.id;
  }
  takeOrRefuse(uploadsByUser_, ctx.principal.subject, ctx, "too_many_uploads",
               "too many uploads in the last hour");
  const std::string mediaType = mediaTypeOf(ctx.request.header("Content-Type"));
  const bool sealed = mediaType == envelope::kMediaType;
  if (!sealed && !isSupportedDocumentType(mediaType)) {
    throw ApiError(415, "unsupported_media_type",
                   "send application/vnd.printrelay.envelope, or a plaintext application/pdf, "
                   "image/png, image/jpeg or text/plain document");
  }
  if (sealed && !pages.clientPages) {
    // The cloud cannot count what it cannot read, and a quote needs pages.
    throw ApiError(422, "pages_required",
                   "a document sealed by the client needs its page count: create the order "
                   "with \"pages\"");
  }
  if (store.keyId.empty()) {
    throw ApiError(409, "store_not_ready", "this store has no enrolled agent");
  }
  const std::uint64_t limit = settings_.maxUploadBytes;
  if (const auto declared = ctx.body.declaredLength(); declared && *declared > limit) {
    throw ApiError(413, "payload_too_large",
                   "documents are limited to " + std::to_string(limit) + " bytes");
  }
  if (!ctx.body.present()) {
    throw ApiError(400, "invalid_request", "the document is empty");
  }

  // 2. Stream the body into a temporary file, as ciphertext only.
  auto upload = documents_.beginUpload(order.id);
  std::uint64_t received = 0;
  const auto countBytes = [&](std::size_t n) {
    received += n;
    if (received > limit) {
      throw ApiError(413, "payload_too_large",
                     "documents are limited to " + std::to_string(limit) + " bytes");
    }
  };
  try {
    if (sealed) {
      envelope::FramingValidator validator(limit);
      bool keyChecked = false;
      ctx.body.stream([&](std::span<const std::uint8_t> piece) {
        countBytes(piece.size());
        validator.write(piece);
        if (!keyChecked && validator.header()) {
          if (validator.header()->keyId != store.keyId) {
            throw ApiError(422, "envelope_wrong_key",
                           "the envelope is sealed to key " + validator.header()->keyId +
                               " but the store's key is " + store.keyId);
          }
          keyChecked = true;
        }
        upload->write(piece);
      });
      validator.finish();
    } else {
      // The plaintext is also kept in memory (never on disk; wiped when
      // freed) to recognise it by its bytes and count its pages.
      SecureBytes plaintext;
      plaintext.reserve(static_cast<std::size_t>(
          std::min<std::uint64_t>(ctx.body.declaredLength().value_or(0), kPlaintextReserve)));
      bool recognised = false;
      const Bytes publicKey = base64Decode(store.publicKey);
      envelope::Sealer sealer(publicKey, order.id, [&](std::span<const std::uint8_t> out) {
        upload->write(out);
        return true;
      });
      ctx.body.stream([&](std::span<const std::uint8_t> piece) {
        countBytes(piece.size());
        appendBytes(plaintext, piece);
        if (!recognised && plaintext.size() >= document::kSniffBytes) {
          checkDocumentBytes(plaintext, mediaType); // refuse an .exe before reading it all
          recognised = true;
        }
        sealer.write(piece);
      });
      sealer.finish();
      if (!plaintext.empty()) {
        if (!recognised) {
          checkDocumentBytes(plaintext, mediaType);
        }
        const int counted = countUploadedPages(plaintext, mediaType);
        checkPageRanges(optionsOf(order), counted);
        pages.cloudPages = counted;
        pages.quotedPages = counted;
        pages.source = "cloud";
      }
    }
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    if (e.code().rfind("envelope_", 0) == 0) {
      rethrowEnvelopeError(e);
    }
    throw;
  }
  if (received == 0) {
    throw ApiError(400, "invalid_request", "the document is empty");
  }

  // 3. Commit: rename into place and queue (or hold) the order, atomically with the state
  // check.
  json reply;
  OrderState next = OrderState::AwaitingUpload;
  {
    auto tx = store_.begin();
    auto current = tx->findOrder(order.id);
    if (current &&
        (current->state == OrderState::Cancelled || current->state == OrderState::Expired)) {
      throw ApiError(409, "order_ended",
                     "this order was " + std::string(toString(current->state)) +
                         " during the upload; place a new one");
    }
    if (!current || current->state != OrderState::AwaitingUpload) {
      throw ApiError(409, "document_already_uploaded",
                     "this order's document has already been uploaded");
    }
    const auto currentStore = tx->findStore(order.storeId);
    if (!currentStore || currentStore->keyId != store.keyId) {
      throw ApiError(409, "key_changed", "the store's key changed during the upload; try again");
    }
    const std::int64_t t = now();
    current->documentSize = upload->size();
    current->keyId = store.keyId;
    if (!sealed) {
      current->contentType = mediaType;
    } else {
      pages.quotedPages = pages.clientPages;
      pages.source = "client";
    }
    current->updatedAt = t;
    tx->putOrderPages(pages); // the count the quote is made on
    fixQuote(*tx, *current, *pages.quotedPages, pages.source);
    const std::string note = sealed ? "sealed document received (" +
                                          std::to_string(*pages.clientPages) +
                                          " page(s) declared by the client)"
                                    : "document sealed on arrival (" +
                                          std::to_string(*pages.cloudPages) + " page(s) counted)";
    OrderService orders = orderService(*tx);
    next = orders.documentArrived(*current, note);
    try {
      upload->commit();
      reply = render::orderJson(existingOrderView(*tx, current->id), true);
      orders.commit();
    } catch (...) {
      // Neither half may stay: the transaction rolls back, the renamed file goes.
      documents_.remove(order.id);
      throw;
    }
    log::info("order " + current->id + ": " + std::to_string(upload->size()) +
              " bytes of ciphertext stored; " + std::string(toString(next)) + " at store " +
              current->storeId);
  }
  replyJson(ctx.response, 200, reply);
}

void Api::cancelOwnOrder(RequestContext& ctx) {
  const std::string reason = reasonField(parseJsonObject(ctx.body.readAll(kMaxJsonBody)));
  auto tx = store_.begin();
  const OrderRecord order = ownedOrder(*tx, ctx, ctx.pathParam(0));
  replyJson(ctx.response, 200,
            cancelAndRead(std::move(tx), order, withReason("cancelled by the customer", reason),
                          "its customer", Canceller::Customer));
}

void Api::getOrderReceipt(RequestContext& ctx) {
  auto tx = store_.beginRead();
  const OrderRecord order = ownedOrder(*tx, ctx, ctx.pathParam(0));
  const auto charge = tx->findOrderCharge(order.id);
  const bool paid =
      charge && (charge->paymentState == "paid" || charge->paymentState == "refunded");
  if (!charge || (!paid && order.state != OrderState::Printed)) {
    throw ApiError(409, "receipt_unavailable",
                   "a receipt exists once the order is paid or printed (and has a price)");
  }
  const auto store = tx->findStore(order.storeId);
  if (!store) {
    throw Error("store_corrupt", "order " + order.id + " has no store");
  }
  const std::string pdf = receiptPdf(*store, order, *charge, now());
  ctx.response.status = 200;
  ctx.response.setHeader("Content-Disposition",
                         "inline; filename=\"receipt-" + order.id + ".pdf\"");
  ctx.response.setBody(pdf, "application/pdf");
}

void Api::deleteCancelledDocument(const std::string& orderId) {
  try {
    deleteDocumentIfDue(store_, documents_, orderId, now());
  } catch (const std::exception& e) {
    // The order is cancelled; the background sweep deletes the file later.
    log::warning("order " + orderId + ": ciphertext not deleted yet: " + e.what());
  }
}

json Api::cancelAndRead(std::unique_ptr<StoreTransaction> tx, OrderRecord order,
                        const std::string& note, const std::string& by, Canceller canceller) {
  OrderService orders = orderService(*tx);
  orders.expireLeases(order.storeId);
  order = *tx->findOrder(order.id);
  orders.cancel(order, note, canceller);
  orders.commit();
  log::info("order " + order.id + " cancelled by " + by);
  deleteCancelledDocument(order.id);
  auto read = store_.beginRead();
  return render::orderJson(existingOrderView(*read, order.id), true);
}

void Api::replyOrderPage(RequestContext& ctx, const std::string& storeId, bool forShop) {
  const auto& request = ctx.request;
  for (const auto& [name, value] : request.query) {
    static const std::vector<std::string> kKnown = {"limit",          "cursor",   "state",
                                                    "status",         "store_id", "created_after",
                                                    "created_before", "sort"};
    if (std::find(kKnown.begin(), kKnown.end(), name) == kKnown.end() ||
        (forShop && name == "store_id")) {
      throw ApiError(400, "invalid_request",
                     "unknown query parameter '" + name.substr(0, 40) + "'");
    }
  }
  OrderListQuery query;
  if (forShop) {
    query.storeId = storeId;
  } else {
    query.customerId = ctx.principal.subject;
    if (const auto store = queryParam(request, "store_id"); store) {
      if (!isWellFormedId(*store)) {
        throw ApiError(400, "invalid_request", "query parameter 'store_id' is not a store id");
      }
      query.storeId = *store;
    }
  }
  query.limit = kDefaultPageSize;
  if (const auto limit = queryParam(request, "limit"); limit) {
    query.limit = static_cast<int>(wholeNumberParam("limit", *limit, 1, kMaxPageSize));
  }
  if (const auto sort = queryParam(request, "sort"); sort) {
    if (*sort != "created_at" && *sort != "-created_at") {
      throw ApiError(400, "invalid_request",
                     "query parameter 'sort' must be created_at (oldest first) or -created_at "
                     "(newest first)");
    }
    query.oldestFirst = *sort == "created_at";
  }
  // "state" names the field it filters; "status" is its deprecated alias, kept for old clients.
  const auto state = queryParam(request, "state");
  const auto status = queryParam(request, "status");
  if (state && status) {
    throw ApiError(400, "invalid_request",
                   "give query parameter 'state' only ('status' is its deprecated alias)");
  }
  if (state || status) {
    query.states = statesParam(state ? "state" : "status", state ? *state : *status);
  }
  constexpr std::int64_t kMaxTime = 999'999'999'999;
  if (const auto after = queryParam(request, "created_after"); after) {
    query.createdAfter = wholeNumberParam("created_after", *after, 0, kMaxTime);
  }
  if (const auto before = queryParam(request, "created_before"); before) {
    query.createdBefore = wholeNumberParam("created_before", *before, 0, kMaxTime);
  }
  const CursorContext cursorContext{
      settings_.adminToken, forShop ? "store:" + storeId : "customer:" + ctx.principal.subject,
      query.oldestFirst};
  if (const auto cursor = queryParam(request, "cursor"); cursor) {
    query.after = decodeCursor(cursorContext, *cursor);
  }
  const int wanted = query.limit;
  query.limit = wanted + 1; // one more tells whether there is a next page

  // A shop's list first expires the store's leases, which writes; a customer's only reads.
  auto tx = forShop ? store_.begin() : store_.beginRead();
  std::optional<OrderService> service;
  if (forShop) {
    service.emplace(orderService(*tx));
    service->expireLeases(storeId);
  }
  auto views = tx->listOrderViews(query);
  const bool more = static_cast<int>(views.size()) > wanted;
  if (more) {
    views.resize(static_cast<std::size_t>(wanted));
  }
  json list = json::array();
  for (const auto& view : views) {
    json j = render::orderJson(view, false);
    if (forShop) {
      addCustomerJson(*tx, view.order.customerId, j);
    }
    list.push_back(std::move(j));
  }
  if (service) {
    service->commit();
  } else {
    tx->commit();
  }
  json reply{{"orders", std::move(list)},
             {"next_cursor",
              more ? json(encodeCursor(cursorContext, views.back().order)) : json(nullptr)}};
  if (forShop) {
    reply["store_id"] = storeId;
  }
  replyJson(ctx.response, 200, reply);
}

} // namespace printrelay::cloud
