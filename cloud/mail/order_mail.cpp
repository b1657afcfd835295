// The mails an order's customer gets: one builder per kind, chosen from one table. A builder
// writes a draft (paragraphs, a prominent line, a table of facts) that is rendered once as plain
// text and once as HTML, so the two parts always say the same.
#include "cloud/mail/order_mail.h"

#include "common/util/text.h"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace printrelay::cloud {
namespace {

/// One block of a mail.
struct Block {
  enum class Kind : std::uint8_t { Paragraph, Prominent, Facts };
  Kind kind = Kind::Paragraph;
  std::string text;                                      ///< Paragraph, Prominent (its value)
  std::string label;                                     ///< Prominent: what the value is
  std::vector<std::pair<std::string, std::string>> rows; ///< Facts
};

/// A mail before rendering.
struct Draft {
  std::string subject;
  std::vector<Block> blocks;

  void paragraph(std::string text) {
    blocks.push_back({Block::Kind::Paragraph, std::move(text), {}, {}});
  }
  void prominent(std::string label, std::string value) {
    blocks.push_back({Block::Kind::Prominent, std::move(value), std::move(label), {}});
  }
};

std::string quoted(const std::string& name) {
  return "\u201c" + name + "\u201d";
}

/// What happens to the payment of an order that ends unprinted; "" when nothing was priced.
std::string paymentSentence(const OrderMailFacts& f) {
  switch (f.payment) {
  case PaymentOutcome::Refunded:
    return "Your payment of " + (f.refundedAmount.empty() ? f.amount : f.refundedAmount) +
           " is refunded to you.";
  case PaymentOutcome::NotCharged:
    return "You have not been charged, and you owe nothing for this order.";
  case PaymentOutcome::NoCharge:
  case PaymentOutcome::StillCharged:
    break;
  }
  return {};
}

void addPaymentSentence(Draft& d, const OrderMailFacts& f) {
  if (std::string sentence = paymentSentence(f); !sentence.empty()) {
    d.paragraph(std::move(sentence));
  }
}

Draft heldMail(const OrderMailFacts& f) {
  Draft d;
  d.subject = "Your print at " + f.shopName + " is waiting for you: pickup code " + f.pickupCode;
  d.paragraph("Your document " + quoted(f.documentName) + " is at " + f.shopName +
              " and waits for you.");
  d.prominent("Pickup code", f.pickupCode);
  d.paragraph("Give this code at the counter: the shop prints your document when you are there. "
              "Keep it to yourself, as anyone with the code can collect the print.");
  if (!f.amount.empty()) {
    d.paragraph(f.paid ? "Paid: " + f.amount + "." : "You pay " + f.amount + " at the counter.");
  }
  if (f.waitSeconds > 0) {
    d.paragraph("The order waits for up to " + spokenDuration(f.waitSeconds) +
                "; after that it expires" + (f.paid ? " and your payment is refunded." : "."));
  }
  return d;
}

Draft awaitingPaymentMail(const OrderMailFacts& f) {
  Draft d;
  d.subject = "Payment needed for your print at " + f.shopName + ": " + f.amount;
  d.paragraph(f.shopName + " prints your document " + quoted(f.documentName) + " once it is paid.");
  d.prominent("Amount due", f.amount);
  std::string how = "Pay at the counter (the shop marks the order paid)";
  if (f.onlinePayment) {
    how += ", or online with: printrelay pay " + f.orderId;
  }
  d.paragraph(how + ".");
  if (f.waitSeconds > 0) {
    d.paragraph("If it is not paid within " + spokenDuration(f.waitSeconds) +
                ", the order expires and you are not charged.");
  }
  return d;
}

Draft printedMail(const OrderMailFacts& f) {
  Draft d;
  d.subject = "Your print is ready for collection at " + f.shopName;
  d.paragraph("Your document " + quoted(f.documentName) +
              " is printed and ready for collection at " + f.shopName + ".");
  if (!f.pickupCode.empty()) {
    d.prominent("Pickup code", f.pickupCode);
  }
  if (!f.amount.empty()) {
    d.paragraph(f.paid ? "Paid: " + f.amount + "." : "To pay at the counter: " + f.amount + ".");
  }
  d.paragraph("Thank you for printing with PrintRelay.");
  return d;
}

Draft failedMail(const OrderMailFacts& f) {
  Draft d;
  d.subject = "Your print at " + f.shopName + " could not be printed";
  d.paragraph("Your document " + quoted(f.documentName) + " could not be printed at " + f.shopName +
              ".");
  d.prominent("Why", f.reason.empty() ? "the printer gave no reason" : f.reason);
  addPaymentSentence(d, f);
  d.paragraph("The shop can print it again, or you can place a new order.");
  return d;
}

Draft expiredMail(const OrderMailFacts& f) {
  Draft d;
  d.subject = "Your order at " + f.shopName + " expired";
  d.paragraph("Your order for " + quoted(f.documentName) + " at " + f.shopName +
              " waited too long and expired before it was printed; its document is deleted.");
  addPaymentSentence(d, f);
  d.paragraph("To print it, place a new order.");
  return d;
}

Draft refundedMail(const OrderMailFacts& f) {
  Draft d;
  const std::string amount = f.refundedAmount.empty() ? f.amount : f.refundedAmount;
  d.subject = "Your payment to " + f.shopName + " was refunded";
  d.paragraph("Your payment for " + quoted(f.documentName) + " at " + f.shopName +
              " was refunded.");
  d.prominent("Refunded", amount);
  if (!f.reason.empty()) {
    d.paragraph("Reason: " + f.reason + ".");
  }
  return d;
}

Draft cancelledMail(const OrderMailFacts& f) {
  Draft d;
  d.subject = "Your order at " + f.shopName + " was cancelled";
  d.paragraph(f.shopName + " cancelled your order for " + quoted(f.documentName) + ".");
  if (!f.reason.empty()) {
    d.prominent("Reason", f.reason);
  }
  addPaymentSentence(d, f);
  d.paragraph("If you still need the print, place a new order or ask the shop.");
  return d;
}

/// Every order mail kind and its builder: the one place that maps one to the other.
struct OrderMailBuilder {
  OrderMailKind kind;
  Draft (*build)(const OrderMailFacts&);
};
constexpr std::array<OrderMailBuilder, 7> kOrderMails{{
    {OrderMailKind::Held, heldMail},
    {OrderMailKind::AwaitingPayment, awaitingPaymentMail},
    {OrderMailKind::Printed, printedMail},
    {OrderMailKind::Failed, failedMail},
    {OrderMailKind::Expired, expiredMail},
    {OrderMailKind::Refunded, refundedMail},
    {OrderMailKind::Cancelled, cancelledMail},
}};

/// Document, order, shop and address, and the amount: the facts every order mail ends with.
Block factsBlock(const OrderMailFacts& f) {
  Block facts{Block::Kind::Facts, {}, {}, {}};
  facts.rows.emplace_back("Document", f.documentName);
  facts.rows.emplace_back("Order", shortOrderId(f.orderId));
  facts.rows.emplace_back("Shop", f.shopName);
  if (!f.shopAddress.empty()) {
    facts.rows.emplace_back("Address", f.shopAddress);
  }
  if (!f.amount.empty()) {
    facts.rows.emplace_back("Amount", f.amount);
  }
  return facts;
}

std::string footerText(const OrderMailFacts& f) {
  return "Full order id: " + f.orderId + " (printrelay status " + f.orderId + ")";
}

std::string renderText(const Draft& d, const OrderMailFacts& f) {
  std::string out = "Hello,\n\n";
  for (const auto& block : d.blocks) {
    switch (block.kind) {
    case Block::Kind::Paragraph:
      out += block.text + "\n\n";
      break;
    case Block::Kind::Prominent:
      out += "    " + block.label + ":  " + block.text + "\n\n";
      break;
    case Block::Kind::Facts: {
      std::size_t width = 0;
      for (const auto& row : block.rows) {
        width = std::max(width, row.first.size());
      }
      for (const auto& [label, value] : block.rows) {
        out += "  " + label + ":" + std::string(width - label.size() + 2, ' ') + value + "\n";
      }
      out += "\n";
      break;
    }
    }
  }
  out += footerText(f) + "\n";
  return out;
}

std::string renderHtml(const Draft& d, const OrderMailFacts& f) {
  std::string out = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                    htmlEscaped(d.subject) +
                    "</title></head>\n<body style=\"font-family: sans-serif; line-height: 1.4\">\n"
                    "<p>Hello,</p>\n";
  for (const auto& block : d.blocks) {
    switch (block.kind) {
    case Block::Kind::Paragraph:
      out += "<p>" + htmlEscaped(block.text) + "</p>\n";
      break;
    case Block::Kind::Prominent:
      out += "<p>" + htmlEscaped(block.label) +
             ":<br><strong style=\"font-size: 1.8em; letter-spacing: 0.1em\">" +
             htmlEscaped(block.text) + "</strong></p>\n";
      break;
    case Block::Kind::Facts:
      out += "<table>\n";
      for (const auto& [label, value] : block.rows) {
        out += "<tr><th style=\"text-align: left; padding-right: 1em\">" + htmlEscaped(label) +
               "</th><td>" + htmlEscaped(value) + "</td></tr>\n";
      }
      out += "</table>\n";
      break;
    }
  }
  out += "<p style=\"color: #666; font-size: 0.85em\">" + htmlEscaped(footerText(f)) +
         "</p>\n</body></html>\n";
  return out;
}

} // namespace

std::string shortOrderId(std::string_view orderId) {
  const auto underscore = orderId.find('_');
  const std::size_t keep = underscore == std::string_view::npos ? 8 : underscore + 1 + 8;
  return std::string(orderId.substr(0, std::min(keep, orderId.size())));
}

std::string htmlEscaped(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&quot;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

MailContent orderMail(OrderMailKind kind, const OrderMailFacts& facts) {
  for (const auto& entry : kOrderMails) {
    if (entry.kind == kind) {
      Draft draft = entry.build(facts);
      draft.blocks.push_back(factsBlock(facts));
      return {draft.subject, renderText(draft, facts), renderHtml(draft, facts)};
    }
  }
  return {}; // unreachable: every kind has a row
}

} // namespace printrelay::cloud
