#include "cloud/routes/http_exchange.h"

#include <algorithm>
#include <cctype>

namespace printrelay::cloud {
namespace {

bool sameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

template <typename Equal>
std::vector<std::string> valuesNamed(const HttpFields& fields, std::string_view name, Equal equal) {
  std::vector<std::string> values;
  for (const auto& [key, value] : fields) {
    if (equal(key, name)) {
      values.push_back(value);
    }
  }
  return values;
}

std::string firstOf(const std::vector<std::string>& values) {
  return values.empty() ? std::string() : values.front();
}

bool exactName(std::string_view a, std::string_view b) {
  return a == b;
}

} // namespace

std::vector<std::string> HttpRequest::headerValues(std::string_view name) const {
  return valuesNamed(headers, name, sameName);
}

std::string HttpRequest::header(std::string_view name) const {
  return firstOf(headerValues(name));
}

std::vector<std::string> HttpRequest::queryValues(std::string_view name) const {
  return valuesNamed(query, name, exactName);
}

std::string HttpRequest::queryValue(std::string_view name) const {
  return firstOf(queryValues(name));
}

void HttpResponse::setHeader(const std::string& name, std::string value) {
  const auto it = std::find_if(headers.begin(), headers.end(),
                               [&](const auto& field) { return sameName(field.first, name); });
  if (it != headers.end()) {
    it->second = std::move(value);
  } else {
    headers.emplace_back(name, std::move(value));
  }
}

void HttpResponse::setBody(std::string content, std::string type) {
  body = std::move(content);
  contentType = std::move(type);
  stream.reset();
}

void HttpResponse::setStream(std::uint64_t length, std::string type, BodyProducer producer) {
  body.clear();
  contentType = std::move(type);
  stream.emplace(length, std::move(producer));
}

} // namespace printrelay::cloud
