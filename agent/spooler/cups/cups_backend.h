#pragma once

#include "agent/spooler/print_backend.h"

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
  /// `configDir` is the CUPS ServerRoot diagnose reads when the scheduler does not hand out
  /// its configuration.
  explicit CupsBackend(std::string server = {}, std::string configDir = "/etc/cups");

  /// The host (or socket path) and port connections go to.
  const std::string& host() const { return host_; }
  int port() const { return port_; }

  std::vector<PrinterInfo> listPrinters() override;
  std::string resolvePrinter(const std::string& configured) override;
  PrinterCapabilities capabilities(const std::string& printer) override;
  /// Create-Job, then Get-Job-Attributes for the new job's job-uuid.
  CreatedJob createJob(const std::string& printer, const std::string& title,
                       const protocol::PrintOptions& options,
                       const std::string& contentType) override;
  std::unique_ptr<DocumentWriter> startDocument(const std::string& printer, int jobId,
                                                const std::string& documentName,
                                                const std::string& contentType) override;
  /// PreserveJobFiles from the scheduler's cupsd.conf (GET /admin/conf/cupsd.conf, else the
  /// file in the configuration directory); RequestRoot from cups-files.conf there.
  SpoolSafety spoolSafety() override;

protected:
  /// Get-Job-Attributes by printer-uri and job-id: state, reasons, job-name, job-uuid and the
  /// queue from job-printer-uri.
  SpoolerJobStatus queryJob(const std::string& printer, int jobId) override;
  void cancelJobNumber(const std::string& printer, int jobId) override;
  /// Cancel-Job with purge-job (cupsCancelJob2 purge=1): the job's files leave the spool.
  void purgeJobNumber(const std::string& printer, int jobId) override;

private:
  std::string host_;
  int port_ = 0;
  std::string configDir_;
};

} // namespace printrelay::agent
