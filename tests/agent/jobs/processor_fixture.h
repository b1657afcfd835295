#pragma once

// A JobProcessor with a real journal, the fake cloud served over HTTP and the fake spooler, for
// the tests of jobs/ (pipeline_test.cpp, spooler_identity_test.cpp).

#include "agent/cloud/cloud_client.h"
#include "agent/daemon/status_reporter.h"
#include "agent/jobs/job_processor.h"
#include "agent/jobs/journal.h"
#include "tests/agent/agent_test_support.h"
#include "tests/fakes/agent_fake_cloud.h"
#include "tests/fakes/agent_fake_print_backend.h"

#include <gtest/gtest.h>
#include <memory>

namespace printrelay::agent::testing {

class ProcessorFixture : public ::testing::Test {
protected:
  void SetUp() override {
    cloud_.start();
    journal_ = std::make_unique<Journal>((dir_.path() / "journal.db").string());
    client_ = std::make_unique<CloudClient>(endpointFor(cloud_.url()), "device-credential");
    processor_ = std::make_unique<JobProcessor>(*journal_, *client_, backend_, key_, "",
                                                [this] { return !stop_; });
    reporter_ = std::make_unique<StatusReporter>(*journal_, *client_);
  }
  void TearDown() override {
    processor_.reset();
    reporter_.reset();
    client_.reset(); // closes its keep-alive connections, so the server stops at once
    cloud_.stop();
  }

  TempDir dir_;
  FakeCloud cloud_;
  FakePrintBackend backend_;
  hpke::KeyPair key_ = hpke::KeyPair::generate();
  std::unique_ptr<Journal> journal_;
  std::unique_ptr<CloudClient> client_;
  std::unique_ptr<JobProcessor> processor_;
  std::unique_ptr<StatusReporter> reporter_;
  bool stop_ = false; ///< keepGoing answers !stop_
};

} // namespace printrelay::agent::testing
