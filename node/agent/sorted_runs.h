// Rows gathered in runs, each sorted on its own as it is added, then taken
// out in one sorted order: a k-way merge done as the rows are taken. No step
// ever sorts the whole set at once, so a caller can gather a large batch a
// bounded chunk at a time and still write it in key order.
//
//   SortedRuns<Row, RowOrder> runs;
//   runs.Add(std::move(chunk));       // sorted here, by RowOrder
//   const auto mark = runs.mark();
//   while (!runs.empty()) Write(runs.Take());
//   runs.Rewind(mark);                // the writes were rolled back
//
// Rows equal under `Less` come out in an unspecified order. Not thread-safe.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstddef>
#include <vector>

namespace cen::node {

template <typename T, typename Less>
class SortedRuns {
 public:
  // Where each run stands: what mark() returns and Rewind() takes back to.
  using Mark = std::vector<size_t>;

  // Sorts `run` and adds it; rows already taken stay taken.
  void Add(std::vector<T> run) {
    if (run.empty()) return;
    std::sort(run.begin(), run.end(), less_);
    size_ += run.size();
    runs_.push_back(std::move(run));
    next_.push_back(0);
    Push(runs_.size() - 1);
  }

  // No row left to take.
  bool empty() const { return heap_.empty(); }
  // Rows added in all, taken or not.
  size_t size() const { return size_; }

  // The smallest row not yet taken; valid until the next Add(). Not when empty().
  const T& Take() {
    std::pop_heap(heap_.begin(), heap_.end(), Later{this});
    const size_t run = heap_.back();
    heap_.pop_back();
    const T& row = runs_[run][next_[run]++];
    if (next_[run] < runs_[run].size()) Push(run);
    return row;
  }

  Mark mark() const { return next_; }
  // Every row taken since `mark` was made is to be taken again. `mark` must
  // be from after the last Add().
  void Rewind(const Mark& mark) {
    assert(mark.size() == next_.size());
    next_ = mark;
    heap_.clear();
    for (size_t run = 0; run < runs_.size(); ++run) {
      if (next_[run] < runs_[run].size()) heap_.push_back(run);
    }
    std::make_heap(heap_.begin(), heap_.end(), Later{this});
  }

 private:
  // The heap's order: its top is the run whose next row is the smallest.
  struct Later {
    const SortedRuns* self;
    bool operator()(size_t a, size_t b) const {
      return self->less_(self->runs_[b][self->next_[b]], self->runs_[a][self->next_[a]]);
    }
  };

  void Push(size_t run) {
    heap_.push_back(run);
    std::push_heap(heap_.begin(), heap_.end(), Later{this});
  }

  Less less_{};
  std::vector<std::vector<T>> runs_;
  Mark next_;                 // per run, its next row to take
  std::vector<size_t> heap_;  // the runs with rows left
  size_t size_ = 0;
};

}  // namespace cen::node
