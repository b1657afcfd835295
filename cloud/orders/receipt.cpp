#include "cloud/orders/receipt.h"

#include "cloud/orders/pricing.h"
#include "common/util/error.h"
#include "common/wire/protocol.h"

#include <array>
#include <ctime>
#include <hpdf.h>
#include <memory>
#include <nlohmann/json.hpp>

namespace printrelay::cloud {

using nlohmann::json;

namespace {

struct HaruError {
  HPDF_STATUS error = 0;
  HPDF_STATUS detail = 0;
};

void onHaruError(HPDF_STATUS error, HPDF_STATUS detail, void* userData) {
  auto* state = static_cast<HaruError*>(userData);
  if (state->error == 0) { // keep the first: later ones follow from it
    state->error = error;
    state->detail = detail;
  }
}

std::string utcTime(std::int64_t t) {
  const std::time_t time = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&time, &tm);
  std::array<char, 32> text{};
  std::strftime(text.data(), text.size(), "%Y-%m-%d %H:%M UTC", &tm);
  return text.data();
}

/// One decoded code point and its length; {-1, 1} for invalid UTF-8.
std::pair<long, std::size_t> nextCodePoint(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) {
    return {c, 1};
  }
  std::size_t length = 0;
  long cp = 0;
  if ((c & 0xE0) == 0xC0) {
    length = 2;
    cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    length = 3;
    cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    length = 4;
    cp = c & 0x07;
  } else {
    return {-1, 1};
  }
  if (i + length > s.size()) {
    return {-1, 1};
  }
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      return {-1, 1};
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  return {cp, length};
}

/// Windows-1252 for a code point outside ASCII; 0 when it has none.
char winAnsi(long cp) {
  if (cp >= 0xA0 && cp <= 0xFF) {
    return static_cast<char>(cp);
  }
  static constexpr std::array<std::pair<long, unsigned char>, 10> kExtra{{
      {0x20AC, 0x80}, // €
      {0x2026, 0x85}, // …
      {0x2018, 0x91},
      {0x2019, 0x92},
      {0x201C, 0x93},
      {0x201D, 0x94},
      {0x2022, 0x95}, // •
      {0x2013, 0x96}, // –
      {0x2014, 0x97}, // —
      {0x2122, 0x99}, // ™
  }};
  for (const auto& [code, out] : kExtra) {
    if (code == cp) {
      return static_cast<char>(out);
    }
  }
  return 0;
}

/// Draws text on one page; every string passes through toWinAnsi.
class Writer {
public:
  Writer(HPDF_Doc pdf, HPDF_Page page)
      : page_(page), regular_(HPDF_GetFont(pdf, "Helvetica", "WinAnsiEncoding")),
        bold_(HPDF_GetFont(pdf, "Helvetica-Bold", "WinAnsiEncoding")) {}

  void text(float x, float y, std::string_view utf8, float size = 10, bool bold = false,
            std::size_t maxChars = 90) {
    const std::string s = toWinAnsi(utf8, maxChars);
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, bold ? bold_ : regular_, size);
    HPDF_Page_TextOut(page_, x, y, s.c_str());
    HPDF_Page_EndText(page_);
  }
  /// Text whose right edge is at `right`.
  void right(float rightEdge, float y, std::string_view utf8, float size = 10, bool bold = false) {
    const std::string s = toWinAnsi(utf8, 40);
    HPDF_Page_BeginText(page_);
    HPDF_Page_SetFontAndSize(page_, bold ? bold_ : regular_, size);
    const float width = HPDF_Page_TextWidth(page_, s.c_str());
    HPDF_Page_TextOut(page_, rightEdge - width, y, s.c_str());
    HPDF_Page_EndText(page_);
  }
  void rule(float x1, float x2, float y) {
    HPDF_Page_SetLineWidth(page_, 0.5f);
    HPDF_Page_MoveTo(page_, x1, y);
    HPDF_Page_LineTo(page_, x2, y);
    HPDF_Page_Stroke(page_);
  }

private:
  HPDF_Page page_;
  HPDF_Font regular_;
  HPDF_Font bold_;
};

std::string optionsSummary(const OrderRecord& order) {
  const json j = json::parse(order.optionsJson, nullptr, false);
  if (j.is_discarded()) {
    return "";
  }
  protocol::PrintOptions o;
  try {
    o = j.get<protocol::PrintOptions>();
  } catch (const std::exception&) {
    return "";
  }
  std::string s = std::to_string(o.copies) + (o.copies == 1 ? " copy" : " copies");
  s += ", " + protocol::pwgMedia(o.media) + ", " + o.sides + ", " + o.colorMode;
  if (!o.pageRanges.empty()) {
    s += ", pages " + protocol::formatPageRanges(o.pageRanges);
  }
  if (o.numberUp > 1) {
    s += ", " + std::to_string(o.numberUp) + " pages per side";
  }
  if (!o.orientation.empty()) {
    s += ", " + o.orientation;
  }
  if (o.fitToPage) {
    s += ", fit to page";
  }
  return s;
}

std::string pagesSourceText(const std::string& source) {
  if (source == "cloud") {
    return "counted at upload";
  }
  if (source == "client") {
    return "as declared by the customer";
  }
  if (source == "agent") {
    return "counted by the shop";
  }
  return source;
}

} // namespace

std::string toWinAnsi(std::string_view utf8, std::size_t maxChars) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto [cp, length] = nextCodePoint(utf8, i);
    i += length;
    if (chars == maxChars) {
      if (!out.empty()) {
        out.back() = '\x85'; // … in Windows-1252
      }
      break;
    }
    if (cp < 0) {
      out += '?';
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0)) {
      out += ' ';
    } else if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (const char c = winAnsi(cp); c != 0) {
      out += c;
    } else {
      out += '?';
    }
    ++chars;
  }
  return out;
}

std::string receiptPdf(const StoreRecord& store, const OrderRecord& order,
                       const OrderChargeRecord& charge, std::int64_t issuedAt) {
  HaruError error;
  std::unique_ptr<std::remove_pointer_t<HPDF_Doc>, void (*)(HPDF_Doc)> pdf(
      HPDF_New(onHaruError, &error), HPDF_Free);
  if (!pdf) {
    throw Error("receipt_failed", "libharu could not start a document");
  }
  HPDF_SetCompressionMode(pdf.get(), HPDF_COMP_ALL);
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_PRODUCER, "PrintRelay");
  const std::string title = "Receipt " + order.id;
  HPDF_SetInfoAttr(pdf.get(), HPDF_INFO_TITLE, title.c_str());
  HPDF_Page page = HPDF_AddPage(pdf.get());
  HPDF_Page_SetSize(page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
  Writer w(pdf.get(), page);

  const json quote = json::parse(charge.breakdownJson, nullptr, false);
  const int exponent = currencyExponent(charge.currency).value_or(2);
  const auto money = [&](std::int64_t minor) {
    return formatMinor(minor, exponent) + " " + charge.currency;
  };
  const float left = 56;
  const float rightEdge = 539;
  float y = 780;
  w.text(left, y, store.name, 16, true, 60);
  w.right(rightEdge, y, "RECEIPT", 16, true);
  y -= 18;
  w.text(left, y, store.address, 10, false, 90);
  y -= 34;

  const auto field = [&](std::string_view label, std::string_view value) {
    w.text(left, y, label, 10, true);
    w.text(left + 110, y, value, 10, false, 75);
    y -= 15;
  };
  field("Order", order.id);
  field("Ordered", utcTime(order.createdAt));
  field("Issued", utcTime(issuedAt));
  field("Document", order.documentName);
  field("Type", order.contentType);
  field("Options", optionsSummary(order));
  field("Pages", std::to_string(charge.pages) + " (" + pagesSourceText(charge.pagesSource) + ")");
  field("Order state", toString(order.state));
  y -= 14;

  // The price lines.
  const float qtyRight = 340;
  const float unitRight = 440;
  w.text(left, y, "Item", 10, true);
  w.right(qtyRight, y, "Qty", 10, true);
  w.right(unitRight, y, "Unit", 10, true);
  w.right(rightEdge, y, "Amount", 10, true);
  y -= 6;
  w.rule(left, rightEdge, y);
  y -= 14;
  if (quote.is_object() && quote.contains("lines") && quote["lines"].is_array()) {
    for (const auto& line : quote["lines"]) {
      w.text(left, y, line.value("label", ""), 10, false, 48);
      w.right(qtyRight, y, std::to_string(line.value("quantity", std::int64_t{0})));
      w.right(unitRight, y, formatMinor(line.value("unit_minor", std::int64_t{0}), exponent));
      w.right(rightEdge, y, formatMinor(line.value("amount_minor", std::int64_t{0}), exponent));
      y -= 15;
    }
  }
  y += 9;
  w.rule(left, rightEdge, y);
  y -= 16;
  const std::int64_t subtotal =
      quote.is_object() ? quote.value("subtotal_minor", std::int64_t{0}) : 0;
  const std::int64_t tax = quote.is_object() ? quote.value("tax_minor", std::int64_t{0}) : 0;
  const int taxRate = quote.is_object() ? quote.value("tax_rate_bp", 0) : 0;
  w.text(unitRight - 130, y, "Subtotal (net)");
  w.right(rightEdge, y, money(subtotal));
  y -= 15;
  w.text(unitRight - 130, y, "Tax " + formatMinor(taxRate, 2) + " %");
  w.right(rightEdge, y, money(tax));
  y -= 17;
  w.text(unitRight - 130, y, "Total", 12, true);
  w.right(rightEdge, y, money(charge.totalMinor), 12, true);
  y -= 34;

  // The payment.
  std::string payment;
  if (charge.paymentState == "paid" || charge.paymentState == "refunded") {
    payment = "Paid " + money(charge.paidMinor) + " by " + charge.paymentMethod +
              (charge.paidAt ? " on " + utcTime(*charge.paidAt) : "");
  } else {
    payment = "Unpaid: " + money(charge.totalMinor) + " due";
  }
  field("Payment", payment);
  if (charge.paymentState == "paid" && charge.totalMinor != charge.paidMinor) {
    field("Balance", money(charge.totalMinor - charge.paidMinor) +
                         (charge.totalMinor > charge.paidMinor ? " due" : " to be returned"));
  }
  if (charge.paymentState == "refunded") {
    field("Refunded", money(charge.refundedMinor) +
                          (charge.refundedAt ? " on " + utcTime(*charge.refundedAt) : "") +
                          (charge.refundReason.empty() ? "" : " (" + charge.refundReason + ")"));
  }
  y -= 20;
  w.text(left, y, "Prices are net; tax is added on top of the subtotal.", 8);

  if (HPDF_SaveToStream(pdf.get()) != HPDF_OK || error.error != 0) {
    throw Error("receipt_failed", "libharu failed (error " + std::to_string(error.error) +
                                      ", detail " + std::to_string(error.detail) + ")");
  }
  std::string out(HPDF_GetStreamSize(pdf.get()), '\0');
  std::size_t done = 0;
  while (done < out.size()) {
    auto size = static_cast<HPDF_UINT32>(out.size() - done);
    const HPDF_STATUS status =
        HPDF_ReadFromStream(pdf.get(), reinterpret_cast<HPDF_BYTE*>(out.data() + done), &size);
    done += size;
    if (status == HPDF_STREAM_EOF || size == 0) {
      break;
    }
    if (status != HPDF_OK) {
      throw Error("receipt_failed", "cannot read the PDF back from libharu");
    }
  }
  out.resize(done);
  return out;
}

} // namespace printrelay::cloud
