#pragma once

#include "agent/spooler/print_backend.h"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace printrelay::agent::testing {

/// A PrintBackend that keeps jobs in memory and captures every document byte, for tests.
/// Thread-safe: a daemon thread may print while the test inspects.
class FakePrintBackend : public PrintBackend {
public:
  /// One job as the fake spooler holds it.
  struct Job {
    int id = 0;
    std::string printer;
    std::string title;
    protocol::PrintOptions options;
    std::string documentName;
    std::string contentType;
    std::vector<std::uint8_t> data;  ///< every byte written, in order
    std::vector<std::size_t> writes; ///< size of each write() call
    bool started = false;
    bool finished = false;
    bool aborted = false;
    bool cancelled = false;
    bool purged = false; ///< purgeJob() was called (the record is kept for inspection)
    std::string uuid;
    SpoolerJobStatus status;
  };

  FakePrintBackend();

  // PrintBackend (jobStatus, cancelJob and purgeJob check identities in the real base class).
  std::vector<PrinterInfo> listPrinters() override;
  std::string resolvePrinter(const std::string& configured) override;
  PrinterCapabilities capabilities(const std::string& printer) override;
  /// Jobs get uuid "urn:uuid:fake-<id>-<n>", n counting every job ever created.
  CreatedJob createJob(const std::string& printer, const std::string& title,
                       const protocol::PrintOptions& options,
                       const std::string& contentType) override;
  std::unique_ptr<DocumentWriter> startDocument(const std::string& printer, int jobId,
                                                const std::string& documentName,
                                                const std::string& contentType) override;
  SpoolSafety spoolSafety() override;

  // Test controls.
  /// Adds a job as if a previous run had created it (crash simulations). A job without a
  /// title is named as the agent names the job `ourJobId` (spoolerJobTag).
  void addJob(Job job, const std::string& ourJobId = {});
  /// Forgets every job and hands out numbers from `nextId` again, as a cupsd that lost its
  /// job files in a crash does.
  void forgetJobs(int nextId);
  /// Sets what jobStatus() answers for a job.
  void setStatus(int jobId, SpoolerJobState state, bool awaitingDocument = false,
                 std::vector<std::string> reasons = {});
  /// Every operation throws spooler_unavailable while set.
  void setUnavailable(bool unavailable);
  /// A finished document makes its job completed at once (otherwise it stays pending).
  void setAutoComplete(bool autoComplete);
  /// write() throws spooler_write_failed once this many bytes were written to a job.
  void failWritesAfter(std::optional<std::size_t> bytes);
  /// finish() throws Error{code} once; `documentArrived` says whether the spooler nevertheless
  /// kept the whole document (the answer was lost) or not.
  void failNextFinish(std::string code, bool documentArrived);
  /// What capabilities() answers for every printer without its own (below).
  void setCapabilities(PrinterCapabilities caps);
  /// What capabilities() answers for one printer.
  void setCapabilities(const std::string& printer, PrinterCapabilities caps);
  /// capabilities() throws Error{code} for this printer.
  void failCapabilities(const std::string& printer, std::string code);
  void setPrinters(std::vector<PrinterInfo> printers);
  /// What spoolSafety() answers.
  void setSpoolSafety(SpoolSafety safety);

  std::optional<Job> job(int jobId) const;
  std::vector<Job> jobs() const;
  int createCount() const;
  int cancelCount() const;
  int purgeCount() const;

protected:
  SpoolerJobStatus queryJob(const std::string& printer, int jobId) override;
  void cancelJobNumber(const std::string& printer, int jobId) override;
  void purgeJobNumber(const std::string& printer, int jobId) override;

private:
  friend class FakeDocumentWriter;
  void write(int jobId, std::span<const std::uint8_t> data);
  void finish(int jobId);
  void abort(int jobId);
  void throwIfUnavailable() const;

  mutable std::mutex mutex_;
  std::map<int, Job> jobs_;
  std::vector<PrinterInfo> printers_;
  PrinterCapabilities caps_;
  std::map<std::string, PrinterCapabilities> printerCaps_;
  std::map<std::string, std::string> capsFailures_;
  int nextId_ = 100;
  int creates_ = 0;
  int cancels_ = 0;
  int purges_ = 0;
  SpoolSafety spoolSafety_;
  bool unavailable_ = false;
  bool autoComplete_ = false;
  std::optional<std::size_t> failAfter_;
  std::optional<std::pair<std::string, bool>> failFinish_;
};

} // namespace printrelay::agent::testing
