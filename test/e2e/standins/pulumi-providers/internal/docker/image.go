package docker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"dsenv/standin-providers/internal/standin"
)

// image stands in for the native docker.Image resource (v4/v5): build with the
// classic builder (Debian 12 has no buildx; the real provider uses BuildKit)
// and push unless skipPush. A change of the build context (hashed in Check)
// rebuilds it, as an update.
type image struct{}

const contextHashKey = "__contextHash"

func (image) Known() []string {
	return []string{"imageName", "build", "registry", "skipPush", "buildOnPreview"}
}

func (image) Updatable() []string {
	return []string{"imageName", "build", "registry", "skipPush", "buildOnPreview", contextHashKey}
}

func buildPaths(in map[string]any) (ctxDir, dockerfile string) {
	b := standin.Obj(in, "build")
	ctxDir = standin.Str(b, "context", ".")
	dockerfile = standin.Str(b, "dockerfile", "")
	if dockerfile == "" {
		dockerfile = filepath.Join(ctxDir, "Dockerfile")
	} else if !filepath.IsAbs(dockerfile) {
		if _, err := os.Stat(dockerfile); err != nil {
			dockerfile = filepath.Join(ctxDir, dockerfile)
		}
	}
	return ctxDir, dockerfile
}

func (image) Check(_ string, _, news map[string]any) (map[string]any, []string, error) {
	var problems []string
	if _, ok := news["imageName"]; !ok {
		problems = append(problems, "imageName is required")
	}
	if b := standin.Obj(news, "build"); b != nil {
		for k := range b {
			switch k {
			case "context", "dockerfile", "args", "target", "platform", "builderVersion", "cacheFrom", "network", "addHosts":
			default:
				problems = append(problems, fmt.Sprintf("build.%s is not implemented by the docker stand-in", k))
			}
		}
		if _, isString := b["context"].(string); isString || b["context"] == nil {
			ctxDir, dockerfile := buildPaths(news)
			h, err := hashTree(ctxDir, dockerfile)
			if err != nil {
				problems = append(problems, fmt.Sprintf("build context %s: %v", ctxDir, err))
			} else {
				// always recomputed: this is what makes a changed context rebuild
				delete(news, contextHashKey)
				return map[string]any{contextHashKey: h}, problems, nil
			}
		}
	}
	return nil, problems, nil
}

// hashTree hashes every file's path, mode and content under dir plus the Dockerfile.
func hashTree(dir, dockerfile string) (string, error) {
	h := sha256.New()
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") && p != dir {
			return filepath.SkipDir
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		return "", err
	}
	files = append(files, dockerfile)
	sort.Strings(files)
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%o\x00", f, st.Mode())
		fh, err := os.Open(f)
		if err != nil {
			return "", err
		}
		_, err = io.Copy(h, fh)
		fh.Close()
		if err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func registryOf(imageName string) string {
	first := strings.SplitN(imageName, "/", 2)[0]
	if strings.ContainsAny(first, ".:") || first == "localhost" {
		if strings.Contains(imageName, "/") {
			return first
		}
	}
	return "docker.io"
}

func (im image) build(ctx context.Context, cfg standin.Config, in map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	name := standin.Str(in, "imageName", "")
	b := standin.Obj(in, "build")
	ctxDir, dockerfile := buildPaths(in)
	args := []string{"build", "-t", name, "-f", dockerfile}
	for k, v := range standin.Obj(b, "args") {
		args = append(args, "--build-arg", k+"="+fmt.Sprint(v))
	}
	if t := standin.Str(b, "target", ""); t != "" {
		args = append(args, "--target", t)
	}
	if p := standin.Str(b, "platform", ""); p != "" {
		args = append(args, "--platform", p)
	}
	if n := standin.Str(b, "network", ""); n != "" {
		args = append(args, "--network", n)
	}
	for _, h := range standin.Strs(b, "addHosts") {
		args = append(args, "--add-host", h)
	}
	for _, cf := range standin.Strs(standin.Obj(b, "cacheFrom"), "images") {
		args = append(args, "--cache-from", cf)
	}
	args = append(args, ctxDir)
	if _, err := c.cli(ctx, "", "", args...); err != nil {
		return nil, fmt.Errorf("building %s: %w", name, err)
	}
	server := registryOf(name)
	reg := standin.Obj(in, "registry")
	if s := standin.Str(reg, "server", ""); s != "" {
		server = s
	}
	outs := map[string]any{"imageName": name, "baseImageName": name, "registryServer": server,
		"context": ctxDir, "dockerfile": dockerfile}
	if p := standin.Str(b, "platform", ""); p != "" {
		outs["platform"] = p
	}
	if standin.Bool(in, "skipPush", false) {
		return outs, nil // like the real provider: no repoDigest without a push
	}
	dockerConfig := ""
	user, pass := standin.Str(reg, "username", ""), standin.Str(reg, "password", "")
	if user == "" {
		// provider-level registryAuth for the image's registry
		for _, e := range toList(cfg["registryAuth"]) {
			if a, ok := e.(map[string]any); ok && strings.TrimPrefix(standin.Str(a, "address", ""), "https://") == server {
				user, pass = standin.Str(a, "username", ""), standin.Str(a, "password", "")
			}
		}
	}
	if user != "" {
		// a private client config, so the user's ~/.docker/config.json is untouched
		dir, err := os.MkdirTemp("", "standin-docker-config-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		dockerConfig = dir
		if _, err := c.cli(ctx, dockerConfig, pass, "login", server, "--username", user, "--password-stdin"); err != nil {
			return nil, fmt.Errorf("logging in to %s: %w", server, err)
		}
	}
	if _, err := c.cli(ctx, dockerConfig, "", "push", name); err != nil {
		return nil, fmt.Errorf("pushing %s: %w", name, err)
	}
	var r struct{ RepoDigests []string }
	if err := c.do(ctx, "GET", "/images/"+name+"/json", nil, nil, &r); err != nil {
		return nil, err
	}
	repo := name
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	for _, d := range r.RepoDigests {
		if strings.HasPrefix(d, repo+"@") {
			outs["repoDigest"] = d
		}
	}
	return outs, nil
}

func toList(v any) []any {
	switch t := v.(type) {
	case []any:
		return t
	case string:
		var out []any
		if err := jsonUnmarshal(t, &out); err == nil {
			return out
		}
	}
	return nil
}

func (im image) Create(ctx context.Context, cfg standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	outs, err := im.build(ctx, cfg, in)
	if err != nil {
		return "", nil, err
	}
	id := standin.Str(in, "imageName", "")
	if d, ok := outs["repoDigest"].(string); ok {
		id = d
	}
	return id, outs, nil
}

func (im image) Update(ctx context.Context, cfg standin.Config, _ string, _, news map[string]any) (map[string]any, error) {
	return im.build(ctx, cfg, news)
}

func (image) Read(_ context.Context, _ standin.Config, _ string, state map[string]any) (map[string]any, error) {
	return state, nil
}

// Delete leaves the built image in place, as the real provider does.
func (image) Delete(context.Context, standin.Config, string, map[string]any) error { return nil }

// remoteImage stands in for docker.RemoteImage. Nothing can be pulled on the
// project's machines, so in practice it only finds images built locally.
type remoteImage struct{}

func (remoteImage) Known() []string {
	return []string{"name", "keepLocally", "forceRemove", "pullTriggers", "triggers", "platform", "build"}
}
func (remoteImage) Updatable() []string { return []string{"keepLocally", "forceRemove"} }

// The subset of RemoteImage.build (terraform's docker_image build block) the
// stand-in passes on to `docker build`.
var remoteBuildKeys = map[string]bool{"context": true, "dockerfile": true, "buildArgs": true, "target": true,
	"platform": true, "label": true, "labels": true, "networkMode": true, "extraHosts": true, "noCache": true,
	"pullParent": true, "remove": true, "forceRemove": true, "cacheFroms": true, "tag": true}

func (remoteImage) Check(_ string, _, news map[string]any) (map[string]any, []string, error) {
	var problems []string
	for k := range standin.Obj(news, "build") {
		if !remoteBuildKeys[k] {
			problems = append(problems, fmt.Sprintf("build.%s is not implemented by the docker stand-in", k))
		}
	}
	return nil, problems, nil
}

// buildRemote builds RemoteImage.build with the classic builder; the
// Dockerfile is relative to the context, as in the real provider.
func (remoteImage) buildRemote(ctx context.Context, c *client, name string, b map[string]any) error {
	ctxDir := standin.Str(b, "context", ".")
	dockerfile := standin.Str(b, "dockerfile", "Dockerfile")
	if !filepath.IsAbs(dockerfile) {
		dockerfile = filepath.Join(ctxDir, dockerfile)
	}
	args := []string{"build", "-t", name, "-f", dockerfile}
	for _, t := range standin.Strs(b, "tag") {
		args = append(args, "-t", t)
	}
	for k, v := range standin.Obj(b, "buildArgs") {
		args = append(args, "--build-arg", k+"="+fmt.Sprint(v))
	}
	for _, key := range []string{"label", "labels"} {
		for k, v := range standin.Obj(b, key) {
			args = append(args, "--label", k+"="+fmt.Sprint(v))
		}
	}
	if t := standin.Str(b, "target", ""); t != "" {
		args = append(args, "--target", t)
	}
	if p := standin.Str(b, "platform", ""); p != "" {
		args = append(args, "--platform", p)
	}
	if n := standin.Str(b, "networkMode", ""); n != "" {
		args = append(args, "--network", n)
	}
	for _, e := range standin.List(b, "extraHosts") {
		args = append(args, "--add-host", fmt.Sprint(e))
	}
	for _, cf := range standin.Strs(b, "cacheFroms") {
		args = append(args, "--cache-from", cf)
	}
	if standin.Bool(b, "noCache", false) {
		args = append(args, "--no-cache")
	}
	if standin.Bool(b, "pullParent", false) {
		args = append(args, "--pull")
	}
	if standin.Bool(b, "forceRemove", false) {
		args = append(args, "--force-rm")
	}
	args = append(args, ctxDir)
	if _, err := c.cli(ctx, "", "", args...); err != nil {
		return fmt.Errorf("building %s: %w", name, err)
	}
	return nil
}

func (remoteImage) lookup(ctx context.Context, c *client, name string) (map[string]any, error) {
	var r struct {
		ID          string `json:"Id"`
		RepoDigests []string
	}
	if err := c.do(ctx, "GET", "/images/"+name+"/json", nil, nil, &r); err != nil {
		return nil, err
	}
	outs := map[string]any{"imageId": r.ID, "repoDigest": ""}
	if len(r.RepoDigests) > 0 {
		outs["repoDigest"] = r.RepoDigests[0]
	}
	return outs, nil
}

func (ri remoteImage) Create(ctx context.Context, cfg standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return "", nil, err
	}
	name := standin.Str(in, "name", "")
	if b := standin.Obj(in, "build"); b != nil {
		if err := ri.buildRemote(ctx, c, name, b); err != nil {
			return "", nil, err
		}
	}
	outs, err := ri.lookup(ctx, c, name)
	if isStatus(err, 404) {
		q := url.Values{"fromImage": {name}}
		if p := standin.Str(in, "platform", ""); p != "" {
			q.Set("platform", p)
		}
		if perr := c.do(ctx, "POST", "/images/create", q, nil, nil); perr != nil {
			return "", nil, fmt.Errorf("image %s is not present locally and pulling it failed: %w", name, perr)
		}
		outs, err = ri.lookup(ctx, c, name)
	}
	if err != nil {
		return "", nil, err
	}
	return fmt.Sprint(outs["imageId"]) + name, outs, nil
}

func (ri remoteImage) Update(ctx context.Context, cfg standin.Config, _ string, _, news map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	return ri.lookup(ctx, c, standin.Str(news, "name", ""))
}

func (ri remoteImage) Read(ctx context.Context, cfg standin.Config, _ string, state map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	outs, err := ri.lookup(ctx, c, standin.Str(state, "name", ""))
	if isStatus(err, 404) {
		return nil, nil
	}
	return outs, err
}

func (remoteImage) Delete(ctx context.Context, cfg standin.Config, _ string, state map[string]any) error {
	if standin.Bool(state, "keepLocally", false) {
		return nil
	}
	c, err := newClient(cfg)
	if err != nil {
		return err
	}
	q := url.Values{"force": {fmt.Sprint(standin.Bool(state, "forceRemove", false))}}
	err = c.do(ctx, "DELETE", "/images/"+standin.Str(state, "name", ""), q, nil, nil)
	if err != nil && !isStatus(err, 404) {
		if isStatus(err, 409) { // still used by a container: the real provider also leaves it
			fmt.Fprintf(os.Stderr, "warning: image %s not removed: %v\n", standin.Str(state, "name", ""), err)
			return nil
		}
		return err
	}
	return nil
}

// registryImage stands in for docker.RegistryImage: pushes a local image to
// its registry and reports the manifest digest.
type registryImage struct{}

func (registryImage) Known() []string {
	return []string{"name", "keepRemotely", "insecureSkipVerify", "triggers", "authConfig"}
}
func (registryImage) Updatable() []string { return []string{"keepRemotely", "insecureSkipVerify"} }
func (registryImage) Check(string, map[string]any, map[string]any) (map[string]any, []string, error) {
	return nil, nil, nil
}

// loginConfig logs in to server with the resource's or the provider's
// credentials (if any) in a private client config; "" when none are needed.
func loginConfig(ctx context.Context, c *client, cfg standin.Config, server string, auth map[string]any) (string, func(), error) {
	user, pass := standin.Str(auth, "username", ""), standin.Str(auth, "password", "")
	if user == "" {
		for _, e := range toList(cfg["registryAuth"]) {
			if a, ok := e.(map[string]any); ok && strings.TrimPrefix(standin.Str(a, "address", ""), "https://") == server {
				user, pass = standin.Str(a, "username", ""), standin.Str(a, "password", "")
			}
		}
	}
	if user == "" {
		return "", func() {}, nil
	}
	dir, err := os.MkdirTemp("", "standin-docker-config-")
	if err != nil {
		return "", nil, err
	}
	done := func() { os.RemoveAll(dir) }
	if _, err := c.cli(ctx, dir, pass, "login", server, "--username", user, "--password-stdin"); err != nil {
		done()
		return "", nil, fmt.Errorf("logging in to %s: %w", server, err)
	}
	return dir, done, nil
}

// splitRef splits "server/repo/path:tag" into server, repository and tag.
func splitRef(ref string) (server, repo, tag string) {
	server = registryOf(ref)
	rest := ref
	if server != "docker.io" {
		rest = strings.TrimPrefix(ref, server+"/")
	}
	tag = "latest"
	if i := strings.LastIndex(rest, ":"); i > strings.LastIndex(rest, "/") {
		rest, tag = rest[:i], rest[i+1:]
	}
	return server, rest, tag
}

func (registryImage) Create(ctx context.Context, cfg standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return "", nil, err
	}
	name := standin.Str(in, "name", "")
	server, repo, _ := splitRef(name)
	dockerConfig, done, err := loginConfig(ctx, c, cfg, server, standin.Obj(in, "authConfig"))
	if err != nil {
		return "", nil, err
	}
	defer done()
	if _, err := c.cli(ctx, dockerConfig, "", "push", name); err != nil {
		return "", nil, fmt.Errorf("pushing %s: %w", name, err)
	}
	var r struct{ RepoDigests []string }
	if err := c.do(ctx, "GET", "/images/"+name+"/json", nil, nil, &r); err != nil {
		return "", nil, err
	}
	prefix := repo + "@"
	if server != "docker.io" {
		prefix = server + "/" + prefix
	}
	for _, d := range r.RepoDigests {
		if strings.HasPrefix(d, prefix) {
			digest := strings.TrimPrefix(d, prefix)
			return name + "@" + digest, map[string]any{"sha256Digest": digest}, nil
		}
	}
	return "", nil, fmt.Errorf("pushed %s but the engine reports no digest for %s", name, strings.TrimSuffix(prefix, "@"))
}

func (registryImage) Update(_ context.Context, _ standin.Config, _ string, olds, _ map[string]any) (map[string]any, error) {
	return map[string]any{"sha256Digest": olds["sha256Digest"]}, nil
}

func (registryImage) Read(_ context.Context, _ standin.Config, _ string, state map[string]any) (map[string]any, error) {
	return state, nil
}

// Delete removes the manifest from the registry unless keepRemotely (the
// registry must allow deletes, as the one from ensure-registry.sh does).
func (registryImage) Delete(ctx context.Context, _ standin.Config, _ string, state map[string]any) error {
	if standin.Bool(state, "keepRemotely", false) {
		return nil
	}
	server, repo, _ := splitRef(standin.Str(state, "name", ""))
	scheme := "https"
	if h := strings.Split(server, ":")[0]; h == "localhost" || h == "127.0.0.1" {
		scheme = "http"
	}
	u := fmt.Sprintf("%s://%s/v2/%s/manifests/%s", scheme, server, repo, standin.Str(state, "sha256Digest", ""))
	req, err := http.NewRequestWithContext(ctx, "DELETE", u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("deleting %s: %w", u, err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode != 404 {
		return fmt.Errorf("deleting %s: %s", u, resp.Status)
	}
	return nil
}
