// Command ttrpc-peer is the Go side of Ward's ttrpc interoperability tests and benchmark: a server
// and a client built from Debian's github.com/containerd/ttrpc, exchanging google.protobuf.BytesValue
// (gogo's well-known type) so the TypeScript side can encode the payload by hand.
//
//	ttrpc-peer server -socket PATH              serve ward.test.Peer until stdin closes
//	ttrpc-peer client -socket PATH -scenario S  run one scenario against a server, print JSON
//	ttrpc-peer bench  -socket PATH -n N -c C -size B   unary round-trip latency, print JSON
package main

import (
	"flag"
	"fmt"
	"os"
)

// Service is the ttrpc service both sides implement.
const Service = "ward.test.Peer"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: ttrpc-peer server|client|bench [flags]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	socket := fs.String("socket", "", "unix socket path")
	scenario := fs.String("scenario", "", "client scenario")
	arg := fs.Int("arg", 0, "scenario argument (payload size, count)")
	n := fs.Int("n", 10000, "bench: calls")
	c := fs.Int("c", 1, "bench: calls in flight")
	size := fs.Int("size", 16, "bench: payload bytes")
	_ = fs.Parse(os.Args[2:])
	if *socket == "" {
		fmt.Fprintln(os.Stderr, "-socket is required")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "server":
		err = runServer(*socket)
	case "client":
		err = runClient(*socket, *scenario, *arg)
	case "bench":
		err = runBench(*socket, *n, *c, *size)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttrpc-peer:", err)
		os.Exit(1)
	}
}
