// formats/dataset/shard_spec.h: "--shard i/n", the one shard syntax of calibrate, verify and analyze: shard i
// (0-based) of n contiguous, almost equal parts of a dataset (Dataset::shard; `prune --analyze` shards its layers
// instead, passes/prune_sensitivity.h), so that a Kubernetes Indexed Job's
// JOB_COMPLETION_INDEX or a Slurm array's SLURM_ARRAY_TASK_ID can be passed as i unchanged.
#pragma once

#include <cstddef>
#include <string_view>

#include "ir/diagnostic.h"

namespace tinyopt {

struct ShardSpec {
  size_t index = 0;
  size_t count = 1;
  bool operator==(const ShardSpec&) const = default;
};

// "2/8" -> {2, 8}. Errors (BadInput, naming `option`): not "i/n", n = 0, i >= n.
Expected<ShardSpec> parse_shard_spec(std::string_view text, std::string_view option = "--shard");

}  // namespace tinyopt
