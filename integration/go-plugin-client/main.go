// Command go-plugin-client loads an external SPIRE WorkloadAttestor plugin the way a SPIRE agent
// does: through hashicorp/go-plugin's real client (magic cookie WorkloadAttestor=WorkloadAttestor,
// protocol version 1, gRPC only, optional sha256 checksum), accepts the host-services broker
// stream, then calls Init, Configure and Attest on the plugin's connection with hand-encoded
// protobuf messages (no generated stubs are available as Debian packages).
//
// Usage: go-plugin-client -plugin PATH -config HCLFILE [-checksum HEX] -pid PID [-pid PID ...]
// Prints one JSON object per line: {"init":[...]}, {"configured":true}, then per pid either
// {"pid":N,"selectors":[...]} or {"pid":N,"code":"NotFound","error":"..."}.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/ioutil"
	"os"
	"os/exec"
	"strconv"
	"time"

	hclog "github.com/hashicorp/go-hclog"
	goplugin "github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
)

const pluginType = "WorkloadAttestor"

// hostServiceProviderID is the broker id SPIRE's catalog accepts host services on.
const hostServiceProviderID = 1

type pidList []int32

func (p *pidList) String() string { return fmt.Sprint(*p) }
func (p *pidList) Set(s string) error {
	v, err := strconv.ParseInt(s, 10, 32)
	if err != nil {
		return err
	}
	*p = append(*p, int32(v))
	return nil
}

// rawCodec passes already-encoded protobuf bytes through gRPC unchanged.
type rawCodec struct{}

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	b, ok := v.(*[]byte)
	if !ok {
		return nil, errors.New("rawCodec: want *[]byte")
	}
	return *b, nil
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	b, ok := v.(*[]byte)
	if !ok {
		return errors.New("rawCodec: want *[]byte")
	}
	*b = append((*b)[:0], data...)
	return nil
}

func (rawCodec) Name() string { return "proto" }

// hostPlugin is the host half of the plugin: it hands back the plugin's connection and, like
// SPIRE, accepts the host-services broker listener (serving no host services).
type hostPlugin struct {
	goplugin.NetRPCUnsupportedPlugin
}

func (hostPlugin) GRPCServer(*goplugin.GRPCBroker, *grpc.Server) error {
	return errors.New("not implemented host side")
}

func (hostPlugin) GRPCClient(_ context.Context, b *goplugin.GRPCBroker, c *grpc.ClientConn) (interface{}, error) {
	listener, err := b.Accept(hostServiceProviderID)
	if err != nil {
		return nil, err
	}
	server := grpc.NewServer()
	go func() { _ = server.Serve(listener) }()
	return c, nil
}

func stringsField(msg []byte, field protowire.Number) ([]string, error) {
	var out []string
	for len(msg) > 0 {
		num, typ, n := protowire.ConsumeTag(msg)
		if n < 0 {
			return nil, protowire.ParseError(n)
		}
		msg = msg[n:]
		if num == field && typ == protowire.BytesType {
			v, m := protowire.ConsumeBytes(msg)
			if m < 0 {
				return nil, protowire.ParseError(m)
			}
			out = append(out, string(v))
			msg = msg[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, msg)
		if m < 0 {
			return nil, protowire.ParseError(m)
		}
		msg = msg[m:]
	}
	return out, nil
}

func invoke(conn *grpc.ClientConn, method string, req []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var resp []byte
	err := conn.Invoke(ctx, method, &req, &resp, grpc.ForceCodec(rawCodec{}))
	return resp, err
}

func emit(v map[string]interface{}) {
	b, _ := json.Marshal(v)
	fmt.Println(string(b))
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go-plugin-client: "+format+"\n", args...)
	os.Exit(2)
}

func main() {
	var pids pidList
	path := flag.String("plugin", "", "plugin executable")
	configPath := flag.String("config", "", "file holding the plugin_data HCL")
	checksum := flag.String("checksum", "", "hex sha256 of the plugin executable")
	flag.Var(&pids, "pid", "pid to attest (repeatable)")
	flag.Parse()
	hcl, err := ioutil.ReadFile(*configPath)
	if err != nil {
		fail("read config: %v", err)
	}

	var secure *goplugin.SecureConfig
	if *checksum != "" {
		sum, err := hex.DecodeString(*checksum)
		if err != nil {
			fail("checksum: %v", err)
		}
		secure = &goplugin.SecureConfig{Checksum: sum, Hash: sha256.New()}
	}
	client := goplugin.NewClient(&goplugin.ClientConfig{
		HandshakeConfig: goplugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   pluginType,
			MagicCookieValue: pluginType,
		},
		Cmd:              exec.Command(*path),
		AllowedProtocols: []goplugin.Protocol{goplugin.ProtocolGRPC},
		Plugins:          map[string]goplugin.Plugin{"ward": hostPlugin{}},
		SecureConfig:     secure,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Debug}),
	})
	defer client.Kill()

	rpc, err := client.Client()
	if err != nil {
		fail("launch plugin: %v", err)
	}
	if err := rpc.Ping(); err != nil {
		fail("ping: %v", err)
	}
	raw, err := rpc.Dispense("ward")
	if err != nil {
		fail("dispense: %v", err)
	}
	conn := raw.(*grpc.ClientConn)

	var initReq []byte
	initReq = protowire.AppendTag(initReq, 1, protowire.BytesType)
	initReq = protowire.AppendString(initReq, "spire.hostservice.common.metrics.v1.Metrics")
	resp, err := invoke(conn, "/spire.service.private.init.v1.Init/Init", initReq)
	if err != nil {
		fail("Init: %v", err)
	}
	names, err := stringsField(resp, 1)
	if err != nil {
		fail("Init response: %v", err)
	}
	emit(map[string]interface{}{"init": names})

	var cfgReq []byte
	cfgReq = protowire.AppendTag(cfgReq, 1, protowire.BytesType)
	core := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "example.org")
	cfgReq = protowire.AppendBytes(cfgReq, core)
	cfgReq = protowire.AppendTag(cfgReq, 2, protowire.BytesType)
	cfgReq = protowire.AppendString(cfgReq, string(hcl))
	if _, err := invoke(conn, "/spire.service.common.config.v1.Config/Configure", cfgReq); err != nil {
		emit(map[string]interface{}{"configured": false, "code": status.Code(err).String(), "error": status.Convert(err).Message()})
		return
	}
	emit(map[string]interface{}{"configured": true})

	for _, pid := range pids {
		var req []byte
		req = protowire.AppendTag(req, 1, protowire.VarintType)
		req = protowire.AppendVarint(req, uint64(int64(pid)))
		resp, err := invoke(conn, "/spire.plugin.agent.workloadattestor.v1.WorkloadAttestor/Attest", req)
		if err != nil {
			emit(map[string]interface{}{"pid": pid, "code": status.Code(err).String(), "error": status.Convert(err).Message()})
			continue
		}
		sels, err := stringsField(resp, 1)
		if err != nil {
			fail("Attest response: %v", err)
		}
		if sels == nil {
			sels = []string{}
		}
		emit(map[string]interface{}{"pid": pid, "selectors": sels})
	}
}
