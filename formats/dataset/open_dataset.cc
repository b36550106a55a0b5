// formats/dataset/open_dataset.cc: finding a dataset's parts on disk and checking them at open (dataset.h).
//
// Stages, per input: (1) tell the kind of the path (folder, .npy, .npz, image, IDX); (2) read each file's
// header only and count its samples, conforming the array shape to the input's InputSpec when there is one;
// (3) register a part that loads the data on first use. Then labels (an explicit file, the archive's "y", or the
// class sub-folders) are read whole and checked against the sample count.
#include <algorithm>
#include <set>

#include "formats/dataset/dataset.h"
#include "formats/dataset/image.h"
#include "formats/dataset/sample_part.h"
#include "formats/idx.h"
#include "formats/npy/npz.h"

namespace tinyopt {
namespace {

namespace fs = std::filesystem;

const std::set<std::string> kImageExtensions = {".png", ".jpg", ".jpeg", ".bmp", ".pgm", ".ppm", ".gif", ".tga"};
constexpr uint64_t kNpyHeaderPrefix = (uint64_t{1} << 20) + 16;  // enough for any header npy.cc accepts

std::string lower_extension(const fs::path& p) {
  std::string e = p.extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return e;
}

bool is_idx(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.find("-ubyte") != std::string::npos || lower_extension(p) == ".idx" ||
         (lower_extension(p) == ".gz" && name.find("idx") != std::string::npos);
}

Error with_item(Error e, const std::string& item) {
  if (!item.empty()) e.message = item + ": " + e.message;
  return e;
}

// The parts of one input, found and checked one file at a time.
struct InputOpener {
  const DatasetOptions& opt;
  const InputSpec* spec;         // nullptr: sample shapes come from the data
  const ElementConversion& conv;
  size_t limit;                  // stop opening files once this many samples are found (0: never)
  InputColumn col;
  std::string first_file;        // the part that set the sample shape, for messages
  std::optional<NpyArray> own_labels;  // an archive's "y" or the class of each image
  std::string own_labels_file;
  std::vector<std::string> class_names;

  std::string tensor() const { return spec ? spec->tensor : std::string(); }
  bool full() const { return limit && col.samples() >= static_cast<int64_t>(limit); }

  // How many samples an array of `shape` holds; with a spec, [N, ...input without its batch 1], [N, ...input],
  // or exactly one sample's shape are accepted.
  Expected<int64_t> count(const Shape& shape, const std::string& file, const std::string& item) {
    if (!spec) {
      if (shape.empty()) return with_item(fail(Errc::BadInput, {.file = file}, "inputs need a sample axis (got a 0-d array)"), item);
      return int64_t{shape[0]};
    }
    const Shape& in = spec->shape;
    const Shape inner(in.begin() + (in.size() > 1 && in[0] == 1 ? 1 : 0), in.end());
    auto tail_equals = [&](const Shape& t) {
      return shape.size() == t.size() + 1 && std::equal(t.begin(), t.end(), shape.begin() + 1);
    };
    if (shape == in || shape == inner) return int64_t{1};
    if (tail_equals(inner) || tail_equals(in)) return int64_t{shape[0]};
    const std::string inner_text = shape_to_string(inner);
    return with_item(fail(Errc::BadInput, {.file = file, .tensor = spec->tensor},
                          "array shape {} does not match the model's input {} (expected [N,{}] with N samples)",
                          shape_to_string(shape), shape_to_string(in), inner_text.substr(1, inner_text.size() - 2)),
                     item);
  }

  Expected<void> set_sample_shape(const Shape& sample, const std::string& file) {
    if (col.parts.empty() && first_file.empty()) {
      col.sample_shape = sample;
      col.sample_elements = num_elements(sample);
      first_file = file;
      return {};
    }
    if (sample != col.sample_shape)
      return fail(Errc::BadInput, {.file = file}, "samples of shape {} differ from those of {} ({})", shape_to_string(sample),
                  first_file, shape_to_string(col.sample_shape));
    return {};
  }

  // Registers an array part of `shape` (the array's own shape) whose data `loader` reads.
  Expected<void> add_array(const std::string& file, const std::string& item, const Shape& shape, ArrayPart::Loader loader) {
    Expected<int64_t> n = count(shape, file, item);
    if (!n) return n.take_error();
    const Shape sample = spec ? spec->shape : Shape(shape.begin() + 1, shape.end());
    if (Expected<void> ok = set_sample_shape(sample, file); !ok) return ok;
    col.add(std::make_shared<ArrayPart>(DatasetPart{file, item, shape, *n}, std::move(loader)));
    return {};
  }

  Expected<void> add_npy(const fs::path& path) {
    Expected<NpyLayout> layout = read_npy_header(path);
    if (!layout) return layout.take_error();
    if (Expected<void> ok = conv.check(layout->dtype, path.string(), tensor()); !ok) return ok;
    return add_array(path.string(), "", layout->shape, [path] { return read_npy(path); });
  }

  Expected<void> add_npz(const fs::path& path) {
    Expected<NpzDirectory> dir = read_npz_directory(path);
    if (!dir) return dir.take_error();
    const NpzMember* x = dir->find("x");
    if (!x) return read_npz_array(*dir, "x").take_error();  // names what the archive holds
    const std::string item = "member '" + x->name + "'";
    Expected<std::vector<uint8_t>> head = read_npz_member(*dir, *x, kNpyHeaderPrefix);
    if (!head) return head.take_error();
    Expected<NpyLayout> layout = parse_npy_header(*head, path.string());
    if (layout) if (Expected<void> ok = check_npy_data_size(*layout, x->size, path.string()); !ok) layout = ok.take_error();
    if (!layout) return with_item(layout.take_error(), item);
    if (Expected<void> ok = conv.check(layout->dtype, path.string(), tensor()); !ok) return with_item(ok.take_error(), item);
    if (const NpzMember* y = dir->find("y")) {
      Expected<NpyArray> labels = read_npz_array(*dir, "y");
      if (!labels) return labels.take_error();
      own_labels = std::move(*labels);
      own_labels_file = path.string() + " " + "member '" + y->name + "'";
    }
    auto shared_dir = std::make_shared<const NpzDirectory>(std::move(*dir));
    return add_array(path.string(), item, layout->shape, [shared_dir] { return read_npz_array(*shared_dir, "x"); });
  }

  Expected<void> add_idx(const fs::path& path) {
    Expected<Shape> stored = read_idx_shape(path);
    if (!stored) return stored.take_error();
    // IDX images are [N, H, W]: a model input [1, H, W, 1] (or, without one, NHWC samples) takes them as [N, H, W, 1].
    Shape shape = *stored;
    if (spec ? shape.size() + 1 == spec->shape.size() && spec->shape.back() == 1 : shape.size() == 3) shape.push_back(1);
    return add_array(path.string(), "", shape, [path, shape]() -> Expected<NpyArray> {
      Expected<IdxArray> a = read_idx(path);
      if (!a) return a.take_error();
      return NpyArray{DType::UInt8, shape, std::move(a->data)};
    });
  }

  Expected<void> add_image(const fs::path& path, std::optional<int32_t> label) {
    int height = 0, width = 0, channels = 0;
    if (spec) {
      if (spec->shape.size() != 4)
        return fail(Errc::BadInput, {.file = path.string(), .tensor = spec->tensor},
                    "images need an NHWC model input, but the input is {}", shape_to_string(spec->shape));
      height = spec->shape[1], width = spec->shape[2], channels = spec->shape[3];
    } else if (!col.parts.empty()) {
      height = col.sample_shape[0], width = col.sample_shape[1], channels = col.sample_shape[2];
    } else {  // without a model input, the first image sets the size; grey (+alpha) stays one channel
      Expected<ImageInfo> info = read_image_info(path);
      if (!info) return info.take_error();
      height = info->height, width = info->width, channels = info->channels <= 2 ? 1 : 3;
    }
    Expected<std::shared_ptr<const SamplePart>> part = make_image_part(path, height, width, channels,
                                                                       opt.scale.value_or(1.0 / 255.0), opt.offset.value_or(0.0));
    if (!part) return part.take_error();
    if (Expected<void> ok = set_sample_shape(spec ? spec->shape : Shape{height, width, channels}, path.string()); !ok) return ok;
    col.add(std::move(*part));
    if (label) {
      if (!own_labels) own_labels = NpyArray{DType::Int32, {0}, {}};
      const auto* b = reinterpret_cast<const uint8_t*>(&*label);
      own_labels->data.insert(own_labels->data.end(), b, b + sizeof(int32_t));
      own_labels->shape[0] += 1;
    }
    return {};
  }

  Expected<void> add_folder(const fs::path& path) {
    std::vector<fs::path> npys, images, folders;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(path, ec)) {
      if (e.is_directory()) folders.push_back(e.path());
      if (!e.is_regular_file()) continue;
      const std::string ext = lower_extension(e.path());
      if (ext == ".npy") npys.push_back(e.path());
      else if (kImageExtensions.count(ext)) images.push_back(e.path());
    }
    std::sort(npys.begin(), npys.end());
    std::sort(images.begin(), images.end());
    std::sort(folders.begin(), folders.end());
    for (const fs::path& f : npys) {
      if (full()) return {};
      if (Expected<void> ok = add_npy(f); !ok) return ok;
    }
    if (!npys.empty()) return {};
    for (const fs::path& f : images) {
      if (full()) return {};
      if (Expected<void> ok = add_image(f, std::nullopt); !ok) return ok;
    }
    if (!images.empty()) return {};
    // No samples at the top: sub-folders of images are classes, in sorted order of their names.
    for (const fs::path& folder : folders) {
      std::vector<fs::path> members;
      for (const auto& e : fs::directory_iterator(folder, ec))
        if (e.is_regular_file() && kImageExtensions.count(lower_extension(e.path()))) members.push_back(e.path());
      if (members.empty()) continue;
      std::sort(members.begin(), members.end());
      const auto label = static_cast<int32_t>(class_names.size());
      class_names.push_back(folder.filename().string());
      for (const fs::path& f : members)
        if (Expected<void> ok = add_image(f, label); !ok) return ok;
    }
    if (!class_names.empty()) own_labels_file = path.string();
    return {};
  }

  Expected<void> add_path(const fs::path& path) {
    std::error_code ec;
    if (!fs::exists(path, ec)) return fail(Errc::BadInput, {.file = path.string()}, "no such file or folder");
    const std::string ext = lower_extension(path);
    if (fs::is_directory(path, ec)) return add_folder(path);
    if (ext == ".npy") return add_npy(path);
    if (ext == ".npz") return add_npz(path);
    if (kImageExtensions.count(ext)) return add_image(path, std::nullopt);
    if (is_idx(path)) return add_idx(path);
    return fail(Errc::BadInput, {.file = path.string()},
                "unknown dataset format (expected .npy, .npz, a folder of .npy files or images, an image, or an IDX file)");
  }
};

// Labels for the `n` samples of input 0: an integer vector is one class per sample, anything else targets.
Expected<void> set_labels(Dataset::Storage& s, const NpyArray& y, const std::string& file, const InputColumn& input0,
                          int num_classes) {
  const int64_t n = input0.samples();
  if (y.shape.empty() || y.shape[0] != n) {
    const std::string inputs = input0.parts.size() == 1 ? shape_to_string(input0.parts[0]->info().array_shape)
                                                        : fmt::format("({} samples)", n);
    return fail(Errc::BadInput, {.file = file}, "labels {} do not have one entry per sample of inputs {}",
                shape_to_string(y.shape), inputs);
  }
  const ElementConversion values{IntegerData::Values, std::nullopt, std::nullopt};
  if (Expected<void> ok = values.check(y.dtype, file, ""); !ok) return ok;
  std::vector<float> v(static_cast<size_t>(y.num_elements()));
  values.convert(y, 0, v);
  if (!is_float(y.dtype) && y.shape.size() == 1) {
    for (float l : v) {
      if (l < 0) return fail(Errc::BadInput, {.file = file}, "label {} is negative", l);
      if (num_classes > 0 && l >= static_cast<float>(num_classes))
        return fail(Errc::BadInput, {.file = file}, "label {} is not a class in 0..{}", l, num_classes - 1);
      s.labels.push_back(static_cast<int32_t>(l));
    }
  } else {
    s.targets = std::move(v);
    s.target_elements = n > 0 ? static_cast<int64_t>(s.targets.size()) / n : 0;
  }
  return {};
}

Expected<NpyArray> read_labels_file(const fs::path& path) {
  if (lower_extension(path) == ".npy") return read_npy(path);
  Expected<IdxArray> a = read_idx(path);
  if (!a) return a.take_error();
  if (a->shape.size() != 1)
    return fail(Errc::BadInput, {.file = path.string()}, "IDX labels must be a vector, not {}", shape_to_string(a->shape));
  return NpyArray{DType::UInt8, a->shape, std::move(a->data)};
}

}  // namespace

Expected<Dataset> open_dataset(const std::vector<fs::path>& inputs, const fs::path& labels, const DatasetOptions& opt) {
  if (inputs.empty()) return fail(Errc::BadInput, {}, "a dataset needs at least one input source");
  if (!opt.inputs.empty() && opt.inputs.size() != inputs.size())
    return fail(Errc::BadInput, {.file = inputs[0].string()}, "{} input sources for a model with {} inputs", inputs.size(),
                opt.inputs.size());
  auto storage = std::make_shared<Dataset::Storage>();
  storage->source = inputs[0].string();
  storage->conversion = {opt.integers, opt.scale, opt.offset};
  // Files past max_samples are left unopened only when nothing else has to agree with the sample count.
  const size_t limit = inputs.size() == 1 && labels.empty() ? opt.max_samples : 0;
  std::optional<NpyArray> own_labels;
  std::string own_labels_file;
  for (size_t k = 0; k < inputs.size(); ++k) {
    InputOpener o{opt, opt.inputs.empty() ? nullptr : &opt.inputs[k], storage->conversion, limit, {}, {}, {}, {}, {}};
    if (Expected<void> ok = o.add_path(inputs[k]); !ok) return ok.take_error();
    if (o.col.parts.empty() && o.spec) {
      o.col.sample_shape = o.spec->shape;
      o.col.sample_elements = num_elements(o.spec->shape);
    }
    if (o.col.starts.empty()) o.col.starts.push_back(0);
    if (k == 0) {
      own_labels = std::move(o.own_labels);
      own_labels_file = std::move(o.own_labels_file);
      storage->class_names = std::move(o.class_names);
    }
    storage->inputs.push_back(std::move(o.col));
  }
  if (!labels.empty()) {
    Expected<NpyArray> y = read_labels_file(labels);
    if (!y) return y.take_error();
    if (Expected<void> ok = set_labels(*storage, *y, labels.string(), storage->inputs[0], opt.num_classes); !ok) return ok.take_error();
  } else if (own_labels) {
    if (Expected<void> ok = set_labels(*storage, *own_labels, own_labels_file, storage->inputs[0], opt.num_classes); !ok)
      return ok.take_error();
  }
  return make_dataset(std::move(storage), opt.max_samples);
}

Expected<Dataset> open_dataset(const fs::path& path, const DatasetOptions& options) {
  return open_dataset(std::vector<fs::path>{path}, fs::path(), options);
}

Expected<Dataset> open_fashion_mnist(const fs::path& dir, const std::string& split) {
  if (split != "train" && split != "t10k")
    return fail(Errc::BadInput, {.option = "split"}, "Fashion-MNIST split '{}' must be 'train' or 't10k'", split);
  DatasetOptions opt;
  opt.num_classes = 10;
  return open_dataset({dir / (split + "-images-idx3-ubyte.gz")}, dir / (split + "-labels-idx1-ubyte.gz"), opt);
}

}  // namespace tinyopt
