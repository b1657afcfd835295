#include "cloud/http/http_types.h"

#include <algorithm>
#include <random>

namespace printrelay::http {
namespace {

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string jsonEscaped(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

void Headers::add(std::string name, std::string value) {
  items_.push_back({std::move(name), std::move(value)});
}

void Headers::set(std::string name, std::string value) {
  std::erase_if(items_, [&](const Header& h) { return sameName(h.name, name); });
  add(std::move(name), std::move(value));
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const auto& h : items_) {
    if (sameName(h.name, name)) {
      return std::string_view(h.value);
    }
  }
  return std::nullopt;
}

std::optional<std::string> HttpRequest::lastEventId() const {
  if (auto id = headers.find("Last-Event-ID")) {
    return std::string(*id);
  }
  return std::nullopt;
}

HttpResponse HttpResponse::text(int status, std::string body, std::string contentType) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  r.headers.set("Content-Type", std::move(contentType));
  return r;
}

HttpResponse HttpResponse::json(int status, std::string body) {
  return text(status, std::move(body), "application/json");
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
  return json(status, "{\"error\":{\"code\":\"" + jsonEscaped(code) + "\",\"message\":\"" +
                          jsonEscaped(message) + "\"}}");
}

std::string RequestBody::readAll(std::size_t max) {
  std::string out;
  char buf[16 * 1024];
  while (std::size_t n = read(buf, sizeof buf)) {
    if (out.size() + n > max) {
      throw BodyError(BodyError::Kind::TooLarge, "request body too large");
    }
    out.append(buf, n);
  }
  return out;
}

Reply Reply::park(std::shared_ptr<ParkedWait> wait) {
  return Reply(Value(std::move(wait)));
}

Reply Reply::stream(std::shared_ptr<EventStream> stream) {
  return Reply(Value(std::move(stream)));
}

bool isSaneRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) {
    return false;
  }
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '-';
  });
}

std::string makeRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  static constexpr char digits[] = "0123456789abcdef";
  std::uint64_t v = random();
  std::string id(16, '0');
  for (auto& c : id) {
    c = digits[v & 15];
    v >>= 4;
  }
  return id;
}

} // namespace printrelay::http
