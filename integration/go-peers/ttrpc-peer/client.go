package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/gogo/protobuf/types"
	"google.golang.org/grpc/status"
)

// result is what a scenario prints: the TypeScript test asserts on it.
type result map[string]interface{}

func statusOf(err error) result {
	if err == nil {
		return result{"code": 0}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return result{"code": 4, "message": err.Error(), "local": true}
	}
	st, ok := status.FromError(err)
	if !ok {
		return result{"code": -1, "message": err.Error()}
	}
	return result{"code": int(st.Code()), "message": st.Message()}
}

func call(ctx context.Context, c *ttrpc.Client, method string, arg []byte) ([]byte, error) {
	var out types.BytesValue
	err := c.Call(ctx, Service, method, &types.BytesValue{Value: arg}, &out)
	return out.Value, err
}

func runClient(path, scenario string, arg int) error {
	conn, err := net.Dial("unix", path)
	if err != nil {
		return err
	}
	c := ttrpc.NewClient(conn)
	defer c.Close()
	bg := context.Background()
	r := result{}
	switch scenario {
	case "echo":
		out, err := call(bg, c, "Echo", []byte("hello from go"))
		r["status"], r["value"] = statusOf(err), string(out)
	case "metadata":
		md := ttrpc.MD{}
		md.Set("X-Ward-Test", "one", "two")
		md.Set("other", "3")
		out, err := call(ttrpc.WithMetadata(bg, md), c, "Metadata", nil)
		r["status"], r["value"] = statusOf(err), string(out)
	case "deadline-sent":
		ctx, cancel := context.WithTimeout(bg, 10*time.Second)
		defer cancel()
		out, err := call(ctx, c, "Deadline", nil)
		r["status"], r["value"] = statusOf(err), string(out)
	case "deadline-expires":
		ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
		defer cancel()
		_, err := call(ctx, c, "Sleep", []byte("5000"))
		r["status"] = statusOf(err)
		// Keep the connection open past the server's own deadline, so the server side expires
		// the call itself instead of seeing the connection close.
		time.Sleep(500 * time.Millisecond)
		// The connection must still work after the abandoned call.
		out, err2 := call(bg, c, "Echo", []byte("after"))
		r["after"], r["afterStatus"] = string(out), statusOf(err2)
	case "error":
		_, err := call(bg, c, "Fail", []byte("5:container \"x\" not found"))
		r["status"] = statusOf(err)
	case "unknown":
		var out types.BytesValue
		err := c.Call(bg, Service, "NoSuchMethod", &types.BytesValue{}, &out)
		r["status"] = statusOf(err)
		err = c.Call(bg, "ward.test.NoSuchService", "X", &types.BytesValue{}, &out)
		r["serviceStatus"] = statusOf(err)
	case "size":
		// Echo a payload of arg bytes, then check the connection with a small call.
		out, err := call(bg, c, "Echo", make([]byte, arg))
		r["status"], r["length"] = statusOf(err), len(out)
		small, err2 := call(bg, c, "Echo", []byte("still up"))
		r["after"], r["afterStatus"] = string(small), statusOf(err2)
	case "concurrent":
		var wg sync.WaitGroup
		var mu sync.Mutex
		bad := 0
		for i := 0; i < arg; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				want := fmt.Sprintf("call-%d", i)
				out, err := call(bg, c, "Echo", []byte(want))
				if err != nil || string(out) != want {
					mu.Lock()
					bad++
					mu.Unlock()
				}
			}(i)
		}
		wg.Wait()
		r["calls"], r["bad"] = arg, bad
	default:
		return fmt.Errorf("unknown scenario %q", scenario)
	}
	return json.NewEncoder(os.Stdout).Encode(r)
}
