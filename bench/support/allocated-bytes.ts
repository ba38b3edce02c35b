/**
 * Bytes the JS heap allocated while a piece of work ran, freed ones
 * included: what the young generation's scavenges have to sweep, so the
 * source of a bench's GC pauses. V8 keeps no running total, so it is
 * rebuilt from the heap's used size around every collection (v8.GCProfiler):
 * what grew between the end of one collection and the start of the next was
 * allocated, plus what grew after the last one.
 *
 * Exact to the byte for the JS heap (no sampling, unlike --alloc's profile);
 * Buffers' backing stores outside the heap are not counted.
 */
import { GCProfiler, getHeapStatistics } from 'node:v8';

export interface AllocationMeter {
  /** Stops the meter: bytes allocated since start. */
  stop(): number;
}

export function startAllocationMeter(): AllocationMeter {
  const profiler = new GCProfiler();
  const usedAtStart = getHeapStatistics().used_heap_size;
  profiler.start();
  return {
    stop() {
      const usedAtEnd = getHeapStatistics().used_heap_size;
      const stats = profiler.stop()?.statistics ?? [];
      let allocated = 0;
      let after = usedAtStart;
      for (const gc of stats) {
        allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - after);
        after = gc.afterGC.heapStatistics.usedHeapSize;
      }
      return allocated + Math.max(0, usedAtEnd - after);
    },
  };
}
