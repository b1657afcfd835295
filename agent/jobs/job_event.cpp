#include "agent/jobs/job_event.h"

namespace printrelay::agent {
namespace {

constexpr std::size_t kMaxEventMessage = 1024;

std::string clip(std::string text) {
  if (text.size() > kMaxEventMessage) {
    std::size_t end = kMaxEventMessage;
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) {
      --end; // not inside a UTF-8 sequence
    }
    text.resize(end);
  }
  return text;
}

} // namespace

protocol::JobEvent jobEvent(std::string state, const JournalJob& job, std::string message) {
  protocol::JobEvent e;
  e.state = std::move(state);
  e.spoolerJobId = job.spoolerJobId;
  e.printer = job.printer;
  e.message = clip(std::move(message));
  return e;
}

} // namespace printrelay::agent
