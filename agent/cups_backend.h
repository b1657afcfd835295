#pragma once

#include "agent/print_backend.h"

#include <string>

namespace printrelay::agent {

/// The CUPS backend, through libcups. Every operation opens its own connection to the
/// scheduler (cheap over the local socket, and immune to idle connections being dropped);
/// a document stream owns its connection until it is finished or aborted.
class CupsBackend : public PrintBackend {
public:
  /// `server` is a host[:port] or the path of the scheduler's Unix socket; empty uses the CUPS
  /// default (CUPS_SERVER, client.conf, the local socket). A non-empty server is also passed to
  /// cupsSetServer for the calling thread.
  explicit CupsBackend(std::string server = {});

  /// The host (or socket path) and port connections go to.
  const std::string& host() const { return host_; }
  int port() const { return port_; }

  std::vector<PrinterInfo> listPrinters() override;
  std::string resolvePrinter(const std::string& configured) override;
  PrinterCapabilities capabilities(const std::string& printer) override;
  int createJob(const std::string& printer, const std::string& title,
                const protocol::PrintOptions& options) override;
  std::unique_ptr<DocumentWriter> startDocument(const std::string& printer, int jobId,
                                                const std::string& documentName,
                                                const std::string& contentType) override;
  SpoolerJobStatus jobStatus(const std::string& printer, int jobId) override;
  void cancelJob(const std::string& printer, int jobId) override;

private:
  std::string host_;
  int port_ = 0;
};

} // namespace printrelay::agent
