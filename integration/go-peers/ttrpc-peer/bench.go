package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"sort"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
)

// runBench measures unary Echo round trips on one connection with c calls in flight.
func runBench(path string, n, c, size int) error {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return err
	}
	client := ttrpc.NewClient(conn)
	defer client.Close()
	payload := make([]byte, size)
	ctx := context.Background()
	// Warm up the connection and the runtime.
	for i := 0; i < 200; i++ {
		if _, err := call(ctx, client, "Echo", payload); err != nil {
			return err
		}
	}
	lat := make([]float64, n)
	var next int64 = -1
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				next++
				i := next
				mu.Unlock()
				if i >= int64(n) {
					return
				}
				t := time.Now()
				if _, err := call(ctx, client, "Echo", payload); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				lat[i] = float64(time.Since(t).Microseconds())
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start).Seconds()
	if firstErr != nil {
		return firstErr
	}
	sort.Float64s(lat)
	pct := func(p float64) float64 {
		i := int(p/100*float64(n)+0.999999) - 1
		if i < 0 {
			i = 0
		}
		if i >= n {
			i = n - 1
		}
		return lat[i]
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]float64{
		"p50_us": pct(50), "p99_us": pct(99), "calls_per_s": float64(n) / elapsed, "seconds": elapsed,
	})
}
