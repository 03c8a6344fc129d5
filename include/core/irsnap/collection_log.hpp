// SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>

#include "irsnap/artifact_writer.hpp"

namespace spdlog {
class logger;
}

namespace irsnap {

/// The run's own log: spdlog with UTC timestamps, written through `writer` so collection.log is
/// hashed as it is written like any artifact. With `echo_to_stderr` (--verbose) every line is
/// also shown on stderr. A write failure is remembered, never thrown into the collector.
std::shared_ptr<spdlog::logger> make_collection_logger(ArtifactWriter& writer, bool echo_to_stderr);

}  // namespace irsnap
