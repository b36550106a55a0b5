// formats/tflite/op_version.h: the operator-code version the writer stores for each op, and the minimum TFLite
// runtime version those (op, version) pairs need (the "min_runtime_version" metadata entry).
//
// Versions follow TFLite's versioning rules (tensorflow/lite/tools/versioning/op_version.cc): a kernel that
// accepts a new dtype or option bumps the version, and runtimes (TFLite Micro included) refuse an op whose
// version is above what they registered. The rules depend on the op's tensors' dtypes and a few options.
#pragma once

#include <string>
#include <string_view>

#include "ir/graph.h"

namespace tinyopt::tflite_format {

// Version of op `op_index` of `g` as TFLite's converter would write it.
int op_version(const Graph& g, int op_index);

// Minimum TFLite runtime version ("1.14.0") for builtin op `kind` at `version`.
std::string_view min_runtime_for(OpKind kind, int version);

// True when runtime version a < b ("1.5.0" < "1.14.0": numeric per dot-separated part).
bool runtime_version_less(std::string_view a, std::string_view b);

}  // namespace tinyopt::tflite_format
