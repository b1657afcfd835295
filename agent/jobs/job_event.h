#pragma once

#include "agent/jobs/journal.h"
#include "common/wire/protocol.h"

#include <string>

namespace printrelay::agent {

/// The status event reporting `state` ("printing", "failed", "released", …) for a journal job:
/// its spooler job id and printer, and `message` clipped to 1 KiB on a UTF-8 boundary.
protocol::JobEvent jobEvent(std::string state, const JournalJob& job, std::string message = {});

} // namespace printrelay::agent
