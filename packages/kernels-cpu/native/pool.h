// A pool of threads that stay up for the backend's life: `run` hands one kernel to all of them (the calling thread
// is thread 0) and returns when every share is done. Between kernels the workers spin a little (a decode step
// launches its kernels microseconds apart), then sleep on a condition variable.
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#include <immintrin.h>
static inline void cria_relax() { _mm_pause(); }
#elif defined(__aarch64__)
static inline void cria_relax() { asm volatile("yield"); }
#else
static inline void cria_relax() {}
#endif

class ThreadPool {
 public:
  typedef void (*Task)(const void* args, int ith, int nth);

  explicit ThreadPool(int threads) : threads_(threads < 1 ? 1 : threads) {
    for (int i = 1; i < threads_; i++) workers_.emplace_back([this, i] { work(i); });
  }

  ~ThreadPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stop_.store(true, std::memory_order_release);
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
  }

  int size() const { return threads_; }

  /** Runs task(args, ith, nth) for ith in [0, nth) with nth = min(threads, wanted), and waits for all. */
  void run(Task task, const void* args, int wanted) {
    const int nth = wanted < 1 ? 1 : (wanted < threads_ ? wanted : threads_);
    if (nth == 1) {
      task(args, 0, 1);
      return;
    }
    task_ = task;
    args_ = args;
    nth_ = nth;
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    {
      // The lock orders the bump against a worker going to sleep, so none misses it.
      std::lock_guard<std::mutex> lock(mutex_);
      generation_.fetch_add(1, std::memory_order_acq_rel);
    }
    if (sleeping_.load(std::memory_order_acquire) > 0) wake_.notify_all();
    task(args, 0, nth);
    while (pending_.load(std::memory_order_acquire) != 0) cria_relax();
  }

 private:
  void work(int ith) {
    uint64_t seen = 0;
    for (;;) {
      uint64_t now = generation_.load(std::memory_order_acquire);
      if (now == seen) {
        // Long enough to span the host work between two decode steps (sampling, the next step's inputs).
        const auto until = std::chrono::steady_clock::now() + std::chrono::microseconds(2000);
        int spins = 0;
        while ((now = generation_.load(std::memory_order_acquire)) == seen) {
          cria_relax();
          if (++spins % 256 == 0 && std::chrono::steady_clock::now() > until) break;
        }
        if (now == seen) {
          std::unique_lock<std::mutex> lock(mutex_);
          sleeping_.fetch_add(1, std::memory_order_acq_rel);
          wake_.wait(lock, [&] { return generation_.load(std::memory_order_acquire) != seen; });
          sleeping_.fetch_sub(1, std::memory_order_acq_rel);
          now = generation_.load(std::memory_order_acquire);
        }
      }
      seen = now;
      if (stop_.load(std::memory_order_acquire)) return;
      if (ith < nth_) task_(args_, ith, nth_);
      pending_.fetch_sub(1, std::memory_order_acq_rel);
    }
  }

  const int threads_;
  std::vector<std::thread> workers_;
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> pending_{0};
  std::atomic<int> sleeping_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  Task task_ = nullptr;
  const void* args_ = nullptr;
  int nth_ = 1;
};
