#include "tests/fakes/agent_fake_print_backend.h"

#include "common/util/error.h"

namespace printrelay::agent::testing {
namespace {

SpoolerJobStatus statusOf(SpoolerJobState state, std::vector<std::string> reasons = {},
                          bool awaitingDocument = false) {
  SpoolerJobStatus status;
  status.state = state;
  status.reasons = std::move(reasons);
  status.awaitingDocument = awaitingDocument;
  return status;
}

} // namespace

/// Forwards to the fake's job; aborts when destroyed unfinished, like a real writer.
class FakeDocumentWriter : public DocumentWriter {
public:
  FakeDocumentWriter(FakePrintBackend& backend, int jobId) : backend_(backend), jobId_(jobId) {}
  ~FakeDocumentWriter() override { abort(); }
  void write(std::span<const std::uint8_t> data) override {
    if (done_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    backend_.write(jobId_, data);
  }
  void finish() override {
    if (done_) {
      throw Error("spooler_write_failed", "the document stream is closed");
    }
    done_ = true;
    backend_.finish(jobId_);
  }
  void abort() noexcept override {
    if (!done_) {
      done_ = true;
      backend_.abort(jobId_);
    }
  }

private:
  FakePrintBackend& backend_;
  int jobId_;
  bool done_ = false;
};

FakePrintBackend::FakePrintBackend() {
  printers_.push_back(PrinterInfo{.name = "Front",
                                  .isDefault = true,
                                  .accepting = true,
                                  .state = "idle",
                                  .info = "Front desk laser",
                                  .location = {},
                                  .makeAndModel = "Fake Laser",
                                  .reasons = {}});
  caps_.media = {"iso_a4_210x297mm", "na_letter_8.5x11in"};
  caps_.sides = {"one-sided", "two-sided-long-edge", "two-sided-short-edge"};
  caps_.colorModes = {"monochrome", "color"};
  caps_.copiesMin = 1;
  caps_.copiesMax = 99;
}

void FakePrintBackend::throwIfUnavailable() const {
  if (unavailable_) {
    throw Error("spooler_unavailable", "the fake spooler is down");
  }
}

std::vector<PrinterInfo> FakePrintBackend::listPrinters() {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  return printers_;
}

std::string FakePrintBackend::resolvePrinter(const std::string& configured) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  for (const auto& p : printers_) {
    if (configured.empty() ? p.isDefault : p.name == configured) {
      if (!p.accepting) {
        throw Error("printer_not_accepting", p.name + " is not accepting jobs");
      }
      return p.name;
    }
  }
  throw Error("printer_not_found", "no printer '" + configured + "'");
}

PrinterCapabilities FakePrintBackend::capabilities(const std::string& printer) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  if (const auto it = capsFailures_.find(printer); it != capsFailures_.end()) {
    throw Error(it->second, "the fake spooler cannot describe " + printer);
  }
  const auto it = printerCaps_.find(printer);
  return it != printerCaps_.end() ? it->second : caps_;
}

CreatedJob FakePrintBackend::createJob(const std::string& printer, const std::string& title,
                                       const protocol::PrintOptions& options,
                                       const std::string& contentType) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  spoolerFormatFor(contentType);
  Job job;
  job.id = nextId_++;
  job.printer = printer;
  job.title = title;
  job.options = options;
  job.contentType = contentType;
  job.uuid = "urn:uuid:fake-" + std::to_string(job.id) + "-" + std::to_string(creates_ + 1);
  job.status.state = SpoolerJobState::Held;
  job.status.awaitingDocument = true;
  job.status.reasons = {"job-incoming"};
  ++creates_;
  const CreatedJob created{job.id, job.uuid};
  jobs_[job.id] = std::move(job);
  return created;
}

std::unique_ptr<DocumentWriter> FakePrintBackend::startDocument(const std::string& /*printer*/,
                                                                int jobId,
                                                                const std::string& documentName,
                                                                const std::string& contentType) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  auto& job = jobs_.at(jobId);
  job.started = true;
  job.documentName = documentName;
  job.contentType = contentType;
  return std::make_unique<FakeDocumentWriter>(*this, jobId);
}

SpoolerJobStatus FakePrintBackend::queryJob(const std::string& /*printer*/, int jobId) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  const auto it = jobs_.find(jobId);
  if (it == jobs_.end()) {
    return SpoolerJobStatus{};
  }
  SpoolerJobStatus status = it->second.status;
  status.name = it->second.title;
  status.uuid = it->second.uuid;
  status.printer = it->second.printer;
  return status;
}

void FakePrintBackend::cancelJobNumber(const std::string& /*printer*/, int jobId) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  ++cancels_;
  const auto it = jobs_.find(jobId);
  if (it == jobs_.end()) {
    return;
  }
  it->second.cancelled = true;
  const auto state = it->second.status.state;
  if (state != SpoolerJobState::Completed && state != SpoolerJobState::Aborted) {
    it->second.status = statusOf(SpoolerJobState::Canceled, {"job-canceled-by-user"});
  }
}

void FakePrintBackend::purgeJobNumber(const std::string& /*printer*/, int jobId) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  ++purges_;
  if (const auto it = jobs_.find(jobId); it != jobs_.end()) {
    it->second.purged = true;
  }
}

SpoolSafety FakePrintBackend::spoolSafety() {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  return spoolSafety_;
}

void FakePrintBackend::setSpoolSafety(SpoolSafety safety) {
  std::lock_guard lock(mutex_);
  spoolSafety_ = std::move(safety);
}

void FakePrintBackend::write(int jobId, std::span<const std::uint8_t> data) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  auto& job = jobs_.at(jobId);
  if (failAfter_ && job.data.size() + data.size() > *failAfter_) {
    throw Error("spooler_write_failed", "the fake spooler refuses more bytes");
  }
  job.data.insert(job.data.end(), data.begin(), data.end());
  job.writes.push_back(data.size());
}

void FakePrintBackend::finish(int jobId) {
  std::lock_guard lock(mutex_);
  throwIfUnavailable();
  auto& job = jobs_.at(jobId);
  if (failFinish_) {
    const auto [code, arrived] = *failFinish_;
    failFinish_.reset();
    job.finished = arrived;
    if (arrived) {
      job.status = statusOf(SpoolerJobState::Pending);
    }
    throw Error(code, "the fake spooler's answer was lost");
  }
  job.finished = true;
  job.status = statusOf(autoComplete_ ? SpoolerJobState::Completed : SpoolerJobState::Pending);
}

void FakePrintBackend::abort(int jobId) {
  std::lock_guard lock(mutex_);
  jobs_.at(jobId).aborted = true;
}

void FakePrintBackend::addJob(Job job, const std::string& ourJobId) {
  std::lock_guard lock(mutex_);
  if (job.title.empty() && !ourJobId.empty()) {
    job.title = spoolerJobTag(ourJobId);
  }
  const int id = job.id;
  nextId_ = std::max(nextId_, id + 1);
  jobs_[id] = std::move(job);
}

void FakePrintBackend::forgetJobs(int nextId) {
  std::lock_guard lock(mutex_);
  jobs_.clear();
  nextId_ = nextId;
}

void FakePrintBackend::setStatus(int jobId, SpoolerJobState state, bool awaitingDocument,
                                 std::vector<std::string> reasons) {
  std::lock_guard lock(mutex_);
  auto& job = jobs_[jobId];
  job.id = jobId;
  job.status = statusOf(state, std::move(reasons), awaitingDocument);
}

void FakePrintBackend::setUnavailable(bool unavailable) {
  std::lock_guard lock(mutex_);
  unavailable_ = unavailable;
}

void FakePrintBackend::setAutoComplete(bool autoComplete) {
  std::lock_guard lock(mutex_);
  autoComplete_ = autoComplete;
}

void FakePrintBackend::failWritesAfter(std::optional<std::size_t> bytes) {
  std::lock_guard lock(mutex_);
  failAfter_ = bytes;
}

void FakePrintBackend::failNextFinish(std::string code, bool documentArrived) {
  std::lock_guard lock(mutex_);
  failFinish_ = std::make_pair(std::move(code), documentArrived);
}

void FakePrintBackend::setCapabilities(PrinterCapabilities caps) {
  std::lock_guard lock(mutex_);
  caps_ = std::move(caps);
}

void FakePrintBackend::setCapabilities(const std::string& printer, PrinterCapabilities caps) {
  std::lock_guard lock(mutex_);
  printerCaps_[printer] = std::move(caps);
}

void FakePrintBackend::failCapabilities(const std::string& printer, std::string code) {
  std::lock_guard lock(mutex_);
  capsFailures_[printer] = std::move(code);
}

void FakePrintBackend::setPrinters(std::vector<PrinterInfo> printers) {
  std::lock_guard lock(mutex_);
  printers_ = std::move(printers);
}

std::optional<FakePrintBackend::Job> FakePrintBackend::job(int jobId) const {
  std::lock_guard lock(mutex_);
  const auto it = jobs_.find(jobId);
  if (it == jobs_.end()) {
    return std::nullopt;
  }
  return it->second;
}

std::vector<FakePrintBackend::Job> FakePrintBackend::jobs() const {
  std::lock_guard lock(mutex_);
  std::vector<Job> out;
  for (const auto& [id, job] : jobs_) {
    out.push_back(job);
  }
  return out;
}

int FakePrintBackend::createCount() const {
  std::lock_guard lock(mutex_);
  return creates_;
}

int FakePrintBackend::cancelCount() const {
  std::lock_guard lock(mutex_);
  return cancels_;
}

int FakePrintBackend::purgeCount() const {
  std::lock_guard lock(mutex_);
  return purges_;
}

} // namespace printrelay::agent::testing
