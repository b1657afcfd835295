#pragma once

#include "cloud/storage/store.h"

#include <cstdint>
#include <string>
#include <string_view>

namespace printrelay::cloud {

/// The receipt of an order as a one-page PDF (libharu), built in memory: the store's name and
/// address, the order id and dates, the document and its print options, the pages priced, the
/// price lines, tax, total, and the payment (and refund) recorded. Text outside Windows-1252
/// (what the PDF base fonts can show) is replaced by '?'. Throws Error{"receipt_failed"}.
std::string receiptPdf(const StoreRecord& store, const OrderRecord& order,
                       const OrderChargeRecord& charge, std::int64_t issuedAt);

/// UTF-8 text as Windows-1252 for a PDF base font: Latin-1 letters and the euro sign are kept,
/// control characters become spaces, anything else (and invalid UTF-8) '?'. At most
/// `maxChars` characters (an ellipsis ends a cut).
std::string toWinAnsi(std::string_view utf8, std::size_t maxChars);

} // namespace printrelay::cloud
