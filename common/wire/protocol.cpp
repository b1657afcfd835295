#include "common/wire/protocol.h"

#include "common/util/error.h"
#include "common/util/text.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>

namespace printrelay::protocol {
namespace {

using nlohmann::json;

[[noreturn]] void invalid(const std::string& field, const std::string& why) {
  throw Error("invalid_request", "field '" + field + "' " + why);
}

void requireObject(const json& j) {
  if (!j.is_object()) {
    throw Error("invalid_request", "expected a JSON object");
  }
}

std::string getString(const json& j, const std::string& field, bool required,
                      std::size_t maxLength = 1024) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) {
      invalid(field, "is required");
    }
    return {};
  }
  if (!it->is_string()) {
    invalid(field, "must be a string");
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > maxLength) {
    invalid(field, "is longer than " + std::to_string(maxLength) + " characters");
  }
  return s;
}

std::int64_t getInt(const json& j, const std::string& field, bool required, std::int64_t min,
                    std::int64_t max, std::int64_t fallback) {
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    if (required) {
      invalid(field, "is required");
    }
    return fallback;
  }
  if (!it->is_number_integer()) {
    invalid(field, "must be an integer");
  }
  std::int64_t v = 0;
  if (it->is_number_unsigned()) {
    const auto u = it->get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(max)) {
      invalid(field, "must be at most " + std::to_string(max));
    }
    v = static_cast<std::int64_t>(u);
  } else {
    v = it->get<std::int64_t>();
  }
  if (v < min || v > max) {
    invalid(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return v;
}

template <std::size_t N>
void requireOneOf(const std::string& field, const std::string& value,
                  const std::array<std::string_view, N>& allowed) {
  for (auto a : allowed) {
    if (a == value) {
      return;
    }
  }
  std::string list;
  for (auto a : allowed) {
    list += (list.empty() ? "" : ", ") + std::string(a);
  }
  invalid(field, "must be one of: " + list);
}

bool isAllDigits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

int pageNumber(std::string_view text) {
  while (!text.empty() && text.front() == ' ') {
    text.remove_prefix(1);
  }
  while (!text.empty() && text.back() == ' ') {
    text.remove_suffix(1);
  }
  if (!isAllDigits(text) || text.size() > 6) {
    invalid("page-ranges", "must look like \"1-3,5\" (page numbers from 1)");
  }
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  if (value < 1 || value > kMaxPageNumber) {
    invalid("page-ranges", "holds pages from 1 to " + std::to_string(kMaxPageNumber));
  }
  return value;
}

template <typename T> bool contains(const std::vector<T>& list, const T& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

std::vector<std::string> getStrings(const json& j, const std::string& field) {
  std::vector<std::string> out;
  const auto it = j.find(field);
  if (it == j.end() || it->is_null()) {
    return out;
  }
  if (!it->is_array() || it->size() > 256) {
    invalid(field, "must be a list of at most 256 strings");
  }
  for (const auto& item : *it) {
    if (!item.is_string() || item.get_ref<const std::string&>().empty() ||
        item.get_ref<const std::string&>().size() > 127) {
      invalid(field, "must hold strings of 1 to 127 characters");
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

constexpr std::array<std::string_view, 4> kOrientations{"portrait", "landscape",
                                                        "reverse-landscape", "reverse-portrait"};
constexpr std::array<int, 6> kNumberUp{1, 2, 4, 6, 9, 16};

} // namespace

std::vector<PageRange> parsePageRanges(std::string_view text) {
  std::vector<PageRange> out;
  if (text.find_first_not_of(' ') == std::string_view::npos) {
    return out;
  }
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string_view part = text.substr(start, comma - start);
    const std::size_t dash = part.find('-');
    PageRange range;
    if (dash == std::string_view::npos) {
      range.first = range.last = pageNumber(part);
    } else {
      range.first = pageNumber(part.substr(0, dash));
      range.last = pageNumber(part.substr(dash + 1));
    }
    if (range.last < range.first) {
      invalid("page-ranges", "has a range that ends before it starts");
    }
    if (!out.empty() && range.first <= out.back().last) {
      invalid("page-ranges", "must list pages in ascending order without overlaps");
    }
    out.push_back(range);
    if (out.size() > kMaxPageRanges) {
      invalid("page-ranges", "may hold at most " + std::to_string(kMaxPageRanges) + " ranges");
    }
    start = comma + 1;
  }
  return out;
}

std::string formatPageRanges(const std::vector<PageRange>& ranges) {
  std::string out;
  for (const auto& r : ranges) {
    if (!out.empty()) {
      out += ',';
    }
    out += std::to_string(r.first);
    if (r.last != r.first) {
      out += '-' + std::to_string(r.last);
    }
  }
  return out;
}

int selectedPageCount(const std::vector<PageRange>& ranges, int documentPages) {
  if (ranges.empty()) {
    return documentPages;
  }
  int count = 0;
  for (const auto& r : ranges) {
    if (r.first > documentPages) {
      throw Error("page_range_out_of_document",
                  "page-ranges asks for page " + std::to_string(r.first) +
                      " but the document has " + std::to_string(documentPages) + " pages");
    }
    count += std::min(r.last, documentPages) - r.first + 1;
  }
  return count;
}

int printedSides(const PrintOptions& options, int documentPages) {
  const int pages = selectedPageCount(options.pageRanges, documentPages);
  const int up = std::max(options.numberUp, 1);
  return (pages + up - 1) / up;
}

int orientationEnum(std::string_view orientation) {
  for (std::size_t i = 0; i < kOrientations.size(); ++i) {
    if (kOrientations[i] == orientation) {
      return static_cast<int>(i) + 3;
    }
  }
  return 0;
}

std::string pwgMedia(std::string_view media) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kAliases{{
      {"a3", "iso_a3_297x420mm"},
      {"a4", "iso_a4_210x297mm"},
      {"a5", "iso_a5_148x210mm"},
      {"letter", "na_letter_8.5x11in"},
      {"legal", "na_legal_8.5x14in"},
      {"tabloid", "na_ledger_11x17in"},
  }};
  std::string name(media);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [alias, pwg] : kAliases) {
    if (name == alias) {
      return std::string(pwg);
    }
  }
  return name;
}

void to_json(json& j, const PrintOptions& o) {
  j = json{{"copies", o.copies},      {"media", o.media},
           {"sides", o.sides},        {"print-color-mode", o.colorMode},
           {"number-up", o.numberUp}, {"fit-to-page", o.fitToPage}};
  if (!o.pageRanges.empty()) {
    j["page-ranges"] = formatPageRanges(o.pageRanges);
  }
  if (!o.orientation.empty()) {
    j["orientation-requested"] = o.orientation;
  }
}

void from_json(const json& j, PrintOptions& o) {
  requireObject(j);
  static constexpr std::array<std::string_view, 8> kKnown{"copies",      "media",
                                                          "sides",       "print-color-mode",
                                                          "page-ranges", "orientation-requested",
                                                          "number-up",   "fit-to-page"};
  for (const auto& [key, value] : j.items()) {
    if (std::find(kKnown.begin(), kKnown.end(), key) == kKnown.end()) {
      throw Error("unsupported_option",
                  "unknown print option '" + key.substr(0, 64) +
                      "' (known: copies, media, sides, print-color-mode, page-ranges, "
                      "orientation-requested, number-up, fit-to-page)");
    }
  }
  PrintOptions defaults;
  o.copies = static_cast<int>(getInt(j, "copies", false, 1, 999, defaults.copies));
  o.media = getString(j, "media", false, 64);
  if (o.media.empty()) {
    o.media = defaults.media;
  }
  for (char c : o.media) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      invalid("media", "may hold only letters, digits, '_', '-' and '.'");
    }
  }
  o.sides = getString(j, "sides", false, 64);
  if (o.sides.empty()) {
    o.sides = defaults.sides;
  }
  requireOneOf(
      "sides", o.sides,
      std::array<std::string_view, 3>{"one-sided", "two-sided-long-edge", "two-sided-short-edge"});
  o.colorMode = getString(j, "print-color-mode", false, 64);
  if (o.colorMode.empty()) {
    o.colorMode = defaults.colorMode;
  }
  requireOneOf("print-color-mode", o.colorMode,
               std::array<std::string_view, 3>{"monochrome", "color", "auto"});
  o.pageRanges = parsePageRanges(getString(j, "page-ranges", false, 512));
  o.orientation = getString(j, "orientation-requested", false, 32);
  if (!o.orientation.empty()) {
    requireOneOf("orientation-requested", o.orientation, kOrientations);
  }
  o.numberUp = static_cast<int>(getInt(j, "number-up", false, 1, 16, 1));
  if (std::find(kNumberUp.begin(), kNumberUp.end(), o.numberUp) == kNumberUp.end()) {
    invalid("number-up", "must be one of: 1, 2, 4, 6, 9, 16");
  }
  o.fitToPage = false;
  if (const auto it = j.find("fit-to-page"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      invalid("fit-to-page", "must be true or false");
    }
    o.fitToPage = it->get<bool>();
  }
}

void to_json(json& j, const PrinterAbilities& a) {
  j = json{{"media_supported", a.media},
           {"media_default", a.defaultMedia},
           {"sides_supported", a.sides},
           {"color_modes_supported", a.colorModes},
           {"copies_min", a.copiesMin},
           {"copies_max", a.copiesMax},
           {"page_ranges_supported", a.pageRanges},
           {"number_up_supported", a.numberUp},
           {"orientations_supported", a.orientations},
           {"document_formats", a.documentFormats}};
}

void from_json(const json& j, PrinterAbilities& a) {
  requireObject(j);
  a.media = getStrings(j, "media_supported");
  a.defaultMedia = getString(j, "media_default", false, 127);
  a.sides = getStrings(j, "sides_supported");
  a.colorModes = getStrings(j, "color_modes_supported");
  a.copiesMin = static_cast<int>(getInt(j, "copies_min", false, 1, 999, 1));
  a.copiesMax = static_cast<int>(getInt(j, "copies_max", false, 1, 1000000, 999));
  if (a.copiesMax < a.copiesMin) {
    invalid("copies_max", "must not be below copies_min");
  }
  a.pageRanges = true;
  if (const auto it = j.find("page_ranges_supported"); it != j.end() && !it->is_null()) {
    if (!it->is_boolean()) {
      invalid("page_ranges_supported", "must be true or false");
    }
    a.pageRanges = it->get<bool>();
  }
  a.numberUp.clear();
  if (const auto it = j.find("number_up_supported"); it != j.end() && !it->is_null()) {
    if (!it->is_array() || it->size() > 32) {
      invalid("number_up_supported", "must be a list of at most 32 integers");
    }
    for (const auto& n : *it) {
      if (!n.is_number_integer() || n.get<std::int64_t>() < 1 || n.get<std::int64_t>() > 100) {
        invalid("number_up_supported", "must hold integers from 1 to 100");
      }
      a.numberUp.push_back(n.get<int>());
    }
  }
  a.orientations = getStrings(j, "orientations_supported");
  a.documentFormats = getStrings(j, "document_formats");
}

std::vector<std::string> unsupportedOptions(const PrintOptions& o, const PrinterAbilities& a) {
  std::vector<std::string> why;
  if (o.copies < a.copiesMin || o.copies > a.copiesMax) {
    why.push_back("copies " + std::to_string(o.copies) + " is outside " +
                  std::to_string(a.copiesMin) + "-" + std::to_string(a.copiesMax));
  }
  if (!a.media.empty()) {
    const std::string wanted = pwgMedia(o.media);
    const bool found = std::any_of(a.media.begin(), a.media.end(),
                                   [&](const std::string& m) { return pwgMedia(m) == wanted; });
    if (!found) {
      why.push_back("media " + wanted + " is not available (it has: " + joined(a.media) + ")");
    }
  }
  if (!a.sides.empty() && !contains(a.sides, o.sides)) {
    why.push_back("sides " + o.sides + " is not possible (it has: " + joined(a.sides) + ")");
  }
  if (!a.colorModes.empty() && o.colorMode != "auto" && !contains(a.colorModes, o.colorMode)) {
    why.push_back("print-color-mode " + o.colorMode +
                  " is not possible (it has: " + joined(a.colorModes) + ")");
  }
  if (!o.pageRanges.empty() && !a.pageRanges) {
    why.push_back("page-ranges are not supported");
  }
  if (o.numberUp != 1 && !a.numberUp.empty() && !contains(a.numberUp, o.numberUp)) {
    std::vector<std::string> ups;
    for (int n : a.numberUp) {
      ups.push_back(std::to_string(n));
    }
    why.push_back("number-up " + std::to_string(o.numberUp) +
                  " is not possible (it has: " + joined(ups) + ")");
  }
  if (!o.orientation.empty() && !a.orientations.empty() &&
      !contains(a.orientations, o.orientation)) {
    why.push_back("orientation-requested " + o.orientation +
                  " is not possible (it has: " + joined(a.orientations) + ")");
  }
  return why;
}

void to_json(json& j, const EnrollRequest& r) {
  j = json{{"code", r.code},
           {"public_key", r.publicKey},
           {"agent_name", r.agentName},
           {"agent_version", r.agentVersion}};
}

void from_json(const json& j, EnrollRequest& r) {
  requireObject(j);
  r.code = getString(j, "code", true, 64);
  r.publicKey = getString(j, "public_key", true, 64);
  r.agentName = getString(j, "agent_name", false, 128);
  r.agentVersion = getString(j, "agent_version", false, 64);
}

void to_json(json& j, const EnrollResponse& r) {
  j = json{{"agent_id", r.agentId},
           {"store_id", r.storeId},
           {"store_name", r.storeName},
           {"key_id", r.keyId},
           {"credential", r.credential}};
}

void from_json(const json& j, EnrollResponse& r) {
  requireObject(j);
  r.agentId = getString(j, "agent_id", true);
  r.storeId = getString(j, "store_id", true);
  r.storeName = getString(j, "store_name", false);
  r.keyId = getString(j, "key_id", true);
  r.credential = getString(j, "credential", true);
}

void to_json(json& j, const JobOffer& o) {
  j = json{{"job_id", o.jobId},
           {"order_id", o.orderId},
           {"lease_id", o.leaseId},
           {"lease_expires_at", o.leaseExpiresAt},
           {"document_name", o.documentName},
           {"content_type", o.contentType},
           {"envelope_size", o.envelopeSize},
           {"key_id", o.keyId},
           {"options", o.options}};
  if (!o.printer.empty()) {
    j["printer"] = o.printer;
  }
  if (o.quotedPages) {
    j["quoted_pages"] = *o.quotedPages;
  }
  if (o.ackBy != 0) {
    j["ack_by"] = o.ackBy;
  }
}

void from_json(const json& j, JobOffer& o) {
  requireObject(j);
  o.jobId = getString(j, "job_id", true, 64);
  o.orderId = getString(j, "order_id", true, 64);
  o.leaseId = getString(j, "lease_id", true, 128);
  o.leaseExpiresAt = getInt(j, "lease_expires_at", true, 0, INT64_MAX, 0);
  o.ackBy = getInt(j, "ack_by", false, 0, INT64_MAX, 0);
  o.documentName = getString(j, "document_name", false, 255);
  o.contentType = getString(j, "content_type", false, 128);
  o.envelopeSize = static_cast<std::uint64_t>(getInt(j, "envelope_size", true, 0, INT64_MAX, 0));
  o.keyId = getString(j, "key_id", true, 64);
  const auto it = j.find("options");
  o.options = it == j.end() ? PrintOptions{} : it->get<PrintOptions>();
  o.printer = getString(j, "printer", false, 127);
  if (j.contains("quoted_pages") && !j["quoted_pages"].is_null()) {
    o.quotedPages = static_cast<int>(getInt(j, "quoted_pages", true, 1, kMaxPageNumber, 0));
  }
}

void to_json(json& j, const JobEvent& e) {
  j = json{{"seq", e.seq}, {"lease_id", e.leaseId}, {"state", e.state}};
  if (e.spoolerJobId) {
    j["spooler_job_id"] = *e.spoolerJobId;
  }
  if (!e.printer.empty()) {
    j["printer"] = e.printer;
  }
  if (!e.message.empty()) {
    j["message"] = e.message;
  }
  if (e.pages) {
    j["pages"] = *e.pages;
  }
  if (!e.contentType.empty()) {
    j["content_type"] = e.contentType;
  }
  if (!e.spoolerState.empty()) {
    j["spooler_state"] = e.spoolerState;
  }
  if (e.spoolerSeenAt) {
    j["spooler_seen_at"] = *e.spoolerSeenAt;
  }
  if (e.bytesSent) {
    j["bytes_sent"] = *e.bytesSent;
  }
}

void from_json(const json& j, JobEvent& e) {
  requireObject(j);
  e.seq = static_cast<std::uint64_t>(getInt(j, "seq", true, 1, INT64_MAX, 0));
  e.leaseId = getString(j, "lease_id", true, 128);
  e.state = getString(j, "state", true, 32);
  requireOneOf("state", e.state,
               std::array<std::string_view, 6>{"printing", "printed", "failed", "released",
                                               "counted", "outcome_unknown"});
  if (j.contains("spooler_job_id") && !j["spooler_job_id"].is_null()) {
    e.spoolerJobId = static_cast<int>(getInt(j, "spooler_job_id", true, 1, INT32_MAX, 0));
  }
  e.printer = getString(j, "printer", false, 127);
  e.message = getString(j, "message", false, 1024);
  if (j.contains("pages") && !j["pages"].is_null()) {
    e.pages = static_cast<int>(getInt(j, "pages", true, 0, 10000000, 0));
  }
  e.contentType = getString(j, "content_type", false, 128);
  e.spoolerState = getString(j, "spooler_state", false, 32);
  if (j.contains("spooler_seen_at") && !j["spooler_seen_at"].is_null()) {
    e.spoolerSeenAt = getInt(j, "spooler_seen_at", true, 0, INT64_MAX, 0);
  }
  if (j.contains("bytes_sent") && !j["bytes_sent"].is_null()) {
    e.bytesSent = static_cast<std::uint64_t>(getInt(j, "bytes_sent", true, 0, INT64_MAX, 0));
  }
  if (e.state == "counted" && !e.pages) {
    invalid("pages", "is required with state counted");
  }
}

} // namespace printrelay::protocol
