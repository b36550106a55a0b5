// ir/graph_printer.h: a readable text form of a graph, for IR dumps (--print-ir-after and friends) and tests:
// the graph inputs, one line per op "#i KIND(inputs) -> outputs" with each tensor as
// %id 'name' dtype[shape] plus its quantization and "const", then the graph outputs.
#pragma once

#include <string>

#include "ir/graph.h"

namespace tinyopt {

std::string dump_ir(const Graph& g);

}  // namespace tinyopt
