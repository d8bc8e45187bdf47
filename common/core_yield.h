// Bulk work gives its core away between small steps, so that a thread with
// urgent work waiting for one gets it at once.
//
// With a national export flowing, the hub's thread and every agent's loop
// are busy at once and the machine's cores are all taken (two on this
// project's). A thread that an urgent frame makes runnable (libzmq's I/O
// thread, a loop whose next check would see the frame) then waits for the
// running thread's time slice to end: a few milliseconds at each of the
// hops between the origin's agent and another office's replica. Bulk work
// asks whether something urgent waits every few records (8 in the hub's
// journal append and an agent's apply slice, 64 rows in a country slice);
// when nothing does, it calls YieldCore() and asks once more. One system
// call (sched_yield: the running thread goes behind whatever else is
// runnable); it returns at once when nothing else waits.
//
// Measured with cen_alert_bench --bulk 1000000 --alerts 100, four runs each,
// alternating: loaded median 4.9-5.5 ms (ratio to idle 2.07-3.02) against
// 10.3-10.7 ms (3.72-3.90) without; cen_pipeline_bench's throughput and CPU
// per record unchanged within its noise.
//
// Thread-safe.
#pragma once

namespace cen::common {

void YieldCore();

}  // namespace cen::common
