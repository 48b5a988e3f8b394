package docker

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"dsenv/standin-providers/internal/standin"
)

// client talks to the Docker Engine API directly (unix://, tcp:// or ssh://
// through `docker system dial-stdio`, as the docker CLI does), so that container
// settings map 1:1 onto the API instead of onto CLI flags. Unversioned API
// paths are used on purpose: any engine version answers them.
type client struct {
	host    string
	sshOpts []string
	http    *http.Client
	base    string
}

// hostOf is the engine address: provider `host`, else DOCKER_HOST, else the
// default socket.
func hostOf(cfg standin.Config) string {
	if h, ok := cfg["host"].(string); ok && h != "" {
		return h
	}
	if h := os.Getenv("DOCKER_HOST"); h != "" {
		return h
	}
	return "unix:///var/run/docker.sock"
}

// stringList reads a list that may come as a list (explicit provider) or as a
// JSON-encoded string (stack config).
func stringList(v any) []string {
	switch t := v.(type) {
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			out = append(out, fmt.Sprint(e))
		}
		return out
	case string:
		var out []string
		if json.Unmarshal([]byte(t), &out) == nil {
			return out
		}
		return strings.Fields(t)
	}
	return nil
}

func newClient(cfg standin.Config) (*client, error) {
	for _, k := range []string{"caMaterial", "certMaterial", "keyMaterial", "certPath"} {
		if v, ok := cfg[k]; ok && v != "" {
			return nil, fmt.Errorf("provider setting %q is not implemented by the docker stand-in (TLS engines are not supported)", k)
		}
	}
	c := &client{host: hostOf(cfg), sshOpts: stringList(cfg["sshOpts"])}
	u, err := url.Parse(c.host)
	if err != nil {
		return nil, fmt.Errorf("bad docker host %q: %w", c.host, err)
	}
	tr := &http.Transport{}
	switch u.Scheme {
	case "unix":
		path := u.Path
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", path)
		}
		c.base = "http://docker"
	case "tcp", "http":
		c.base = "http://" + u.Host
	case "ssh":
		args := append([]string{}, c.sshOpts...)
		if u.Port() != "" {
			args = append(args, "-p", u.Port())
		}
		target := u.Hostname()
		if u.User != nil {
			target = u.User.Username() + "@" + target
		}
		args = append(args, "-o", "BatchMode=yes", "--", target, "docker", "system", "dial-stdio")
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) { return dialCommand("ssh", args...) }
		c.base = "http://docker"
	default:
		return nil, fmt.Errorf("docker host %q: scheme %q is not supported by the docker stand-in", c.host, u.Scheme)
	}
	c.http = &http.Client{Transport: tr}
	return c, nil
}

type apiError struct {
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("docker engine: %d %s", e.Status, e.Message) }

func isStatus(err error, status int) bool {
	ae, ok := err.(*apiError)
	return ok && ae.Status == status
}

// do sends a request; body (if not nil) is JSON-encoded; out (if not nil)
// receives the decoded JSON answer.
func (c *client) do(ctx context.Context, method, path string, query url.Values, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	u := c.base + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("docker engine at %s: %w", c.host, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var m struct{ Message string }
		if json.Unmarshal(data, &m) != nil || m.Message == "" {
			m.Message = strings.TrimSpace(string(data))
		}
		return &apiError{Status: resp.StatusCode, Message: m.Message}
	}
	if out != nil && len(data) > 0 {
		return json.Unmarshal(data, out)
	}
	return nil
}

// cli runs the docker CLI against the same engine (for builds and pushes,
// whose streaming and auth protocols are not worth re-implementing).
func (c *client) cli(ctx context.Context, dockerConfig string, stdin string, args ...string) (string, error) {
	if c.host == "" {
		return "", fmt.Errorf("no docker host")
	}
	full := args
	if strings.HasPrefix(c.host, "ssh://") && len(c.sshOpts) > 0 {
		return "", fmt.Errorf("sshOpts with image builds are not implemented by the docker stand-in")
	}
	cmd := exec.CommandContext(ctx, "docker", full...)
	cmd.Env = append(os.Environ(), "DOCKER_HOST="+c.host, "DOCKER_BUILDKIT=0")
	if dockerConfig != "" {
		cmd.Env = append(cmd.Env, "DOCKER_CONFIG="+dockerConfig)
	}
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var buf bytes.Buffer
	cmd.Stdout = &buf
	cmd.Stderr = &buf
	err := cmd.Run()
	if err != nil {
		out := buf.String()
		if len(out) > 4000 {
			out = "..." + out[len(out)-4000:]
		}
		return buf.String(), fmt.Errorf("docker %s: %v\n%s", args[0], err, out)
	}
	return buf.String(), nil
}

// dialCommand runs a command and uses its stdin/stdout as a connection.
func dialCommand(name string, args ...string) (net.Conn, error) {
	cmd := exec.Command(name, args...)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &cmdConn{cmd: cmd, w: stdin, r: stdout}, nil
}

type cmdConn struct {
	cmd *exec.Cmd
	w   io.WriteCloser
	r   io.ReadCloser
}

func (c *cmdConn) Read(b []byte) (int, error)  { return c.r.Read(b) }
func (c *cmdConn) Write(b []byte) (int, error) { return c.w.Write(b) }
func (c *cmdConn) Close() error {
	c.w.Close()
	c.r.Close()
	_ = c.cmd.Process.Kill()
	_ = c.cmd.Wait()
	return nil
}
func (c *cmdConn) LocalAddr() net.Addr              { return dummyAddr{} }
func (c *cmdConn) RemoteAddr() net.Addr             { return dummyAddr{} }
func (c *cmdConn) SetDeadline(time.Time) error      { return nil }
func (c *cmdConn) SetReadDeadline(time.Time) error  { return nil }
func (c *cmdConn) SetWriteDeadline(time.Time) error { return nil }

type dummyAddr struct{}

func (dummyAddr) Network() string { return "cmd" }
func (dummyAddr) String() string  { return "cmd" }

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
