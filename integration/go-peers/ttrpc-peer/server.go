package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/ttrpc"
	"github.com/gogo/protobuf/types"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func bytesArg(unmarshal func(interface{}) error) (*types.BytesValue, error) {
	var in types.BytesValue
	if err := unmarshal(&in); err != nil {
		return nil, err
	}
	return &in, nil
}

// methods implements ward.test.Peer; the TypeScript server implements the same contract.
func methods() map[string]ttrpc.Method {
	return map[string]ttrpc.Method{
		// Echo returns its argument.
		"Echo": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			return bytesArg(unmarshal)
		},
		// Metadata returns the request metadata as JSON (keys lower-cased by ttrpc.MD).
		"Metadata": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			if _, err := bytesArg(unmarshal); err != nil {
				return nil, err
			}
			md, _ := ttrpc.GetMetadata(ctx)
			if md == nil {
				md = ttrpc.MD{}
			}
			b, err := json.Marshal(md)
			if err != nil {
				return nil, err
			}
			return &types.BytesValue{Value: b}, nil
		},
		// Deadline returns the milliseconds left before the call's deadline, or "none".
		"Deadline": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			if _, err := bytesArg(unmarshal); err != nil {
				return nil, err
			}
			dl, ok := ctx.Deadline()
			if !ok {
				return &types.BytesValue{Value: []byte("none")}, nil
			}
			return &types.BytesValue{Value: []byte(strconv.FormatInt(time.Until(dl).Milliseconds(), 10))}, nil
		},
		// Sleep waits the given milliseconds or until the context ends, returning its error.
		"Sleep": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			in, err := bytesArg(unmarshal)
			if err != nil {
				return nil, err
			}
			ms, _ := strconv.Atoi(string(in.Value))
			select {
			case <-time.After(time.Duration(ms) * time.Millisecond):
				return &types.BytesValue{Value: []byte("slept")}, nil
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		},
		// Fail answers with the status "<code>:<message>" given as argument.
		"Fail": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			in, err := bytesArg(unmarshal)
			if err != nil {
				return nil, err
			}
			parts := strings.SplitN(string(in.Value), ":", 2)
			code, _ := strconv.Atoi(parts[0])
			msg := ""
			if len(parts) > 1 {
				msg = parts[1]
			}
			return nil, status.Error(codes.Code(code), msg)
		},
		// Size returns a BytesValue of the given length.
		"Size": func(ctx context.Context, unmarshal func(interface{}) error) (interface{}, error) {
			in, err := bytesArg(unmarshal)
			if err != nil {
				return nil, err
			}
			n, _ := strconv.Atoi(string(in.Value))
			return &types.BytesValue{Value: make([]byte, n)}, nil
		},
	}
}

func runServer(path string) error {
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	s, err := ttrpc.NewServer()
	if err != nil {
		return err
	}
	s.Register(Service, methods())
	go func() {
		// The parent closes stdin to stop the server.
		_, _ = io.Copy(io.Discard, os.Stdin)
		_ = s.Close()
		_ = l.Close()
		os.Exit(0)
	}()
	fmt.Println("READY")
	if err := s.Serve(context.Background(), l); err != nil && err != ttrpc.ErrServerClosed {
		return err
	}
	return nil
}
