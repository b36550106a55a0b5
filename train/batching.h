// train/batching.h: re-batching a graph lives in ir/batching.h (the runtime's evaluator uses it too); this header
// keeps the training code's include working.
#pragma once

#include "ir/batching.h"
