// Package standin is a small generic Pulumi resource provider server. The real
// docker and random providers cannot be built on the project's machines (their
// Go modules are not served by the module proxy there), so the end-to-end tests
// run against stand-ins that implement, under the same package names, versions
// and type tokens, the part of those providers the project uses. A property the
// stand-in does not implement is refused in Check rather than silently ignored,
// so a test can never pass on a setting that had no effect.
package standin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// Version is the fallback plugin version; set with -ldflags -X. The version the
// engine asked for is normally taken from the plugin's directory name
// (~/.pulumi/plugins/resource-<pkg>-v<version>/), so one binary can be
// installed under every version the project's npm packages pin.
var Version = "0.0.0-standin"

// Config is the provider configuration (the explicit provider's inputs or the
// stack's <pkg>:<key> config), plain values.
type Config map[string]any

// Resource implements one resource type. Inputs and state are plain values
// (secrets unwrapped); outputs returned are merged over the inputs, so secret
// inputs stay secret in the state.
type Resource interface {
	// Known lists the input properties the stand-in implements.
	Known() []string
	// Check validates and fills defaults (may be nil).
	Check(name string, olds, news map[string]any) (map[string]any, []string, error)
	// Updatable lists inputs that change in place; any other change replaces.
	Updatable() []string
	Create(ctx context.Context, cfg Config, name string, in map[string]any) (id string, outs map[string]any, err error)
	Update(ctx context.Context, cfg Config, id string, olds, news map[string]any) (map[string]any, error)
	// Read returns the refreshed outputs, or nil when the object is gone.
	Read(ctx context.Context, cfg Config, id string, state map[string]any) (map[string]any, error)
	Delete(ctx context.Context, cfg Config, id string, state map[string]any) error
}

// NamedResource resources have a `name` that is auto-generated when not given
// (as the bridged providers do); an explicit name forces delete-before-replace.
type NamedResource interface {
	Resource
	AutoName() bool
}

type server struct {
	pulumirpc.UnimplementedResourceProviderServer
	pkg       string
	version   string
	resources map[string]Resource

	mu  sync.Mutex
	cfg Config
}

// Serve runs the provider plugin for package pkg.
func Serve(pkg string, resources map[string]Resource) {
	version := Version
	if exe, err := os.Executable(); err == nil {
		re := regexp.MustCompile(`^resource-` + regexp.QuoteMeta(pkg) + `-v(.+)$`)
		if m := re.FindStringSubmatch(filepath.Base(filepath.Dir(exe))); m != nil {
			version = m[1]
		}
	}
	if err := provider.Main(pkg, func(*provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return &server{pkg: pkg, version: version, resources: resources, cfg: Config{}}, nil
	}); err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-%s (stand-in): %v\n", pkg, err)
		os.Exit(1)
	}
}

var (
	plainOpts   = plugin.MarshalOptions{KeepUnknowns: true, SkipNulls: true}
	keepOpts    = plugin.MarshalOptions{KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}
	defaultsKey = resource.PropertyKey("__defaults")
)

func unmarshal(s *structpb.Struct, opts plugin.MarshalOptions) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, opts)
}

func plain(s *structpb.Struct) (map[string]any, error) {
	pm, err := unmarshal(s, plainOpts)
	if err != nil {
		return nil, err
	}
	delete(pm, defaultsKey)
	return pm.Mappable(), nil
}

func (s *server) resourceFor(typ, urn string) (Resource, error) {
	if typ == "" {
		typ = string(resource.URN(urn).Type())
	}
	r, ok := s.resources[typ]
	if !ok {
		return nil, fmt.Errorf("%s is not implemented by the %s stand-in provider (test/e2e/standins/pulumi-providers)", typ, s.pkg)
	}
	return r, nil
}

func (s *server) config() Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

func (s *server) GetPluginInfo(context.Context, *emptypb.Empty) (*pulumirpc.PluginInfo, error) {
	return &pulumirpc.PluginInfo{Version: s.version}, nil
}

func (s *server) GetSchema(context.Context, *pulumirpc.GetSchemaRequest) (*pulumirpc.GetSchemaResponse, error) {
	return &pulumirpc.GetSchemaResponse{Schema: fmt.Sprintf(`{"name":%q,"version":%q}`, s.pkg, s.version)}, nil
}

func (s *server) CheckConfig(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	return &pulumirpc.CheckResponse{Inputs: req.GetNews()}, nil
}

func (s *server) DiffConfig(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	olds, err := unmarshal(req.GetOldInputs(), plainOpts)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), plainOpts)
	if err != nil {
		return nil, err
	}
	changes := pulumirpc.DiffResponse_DIFF_NONE
	if !resource.NewObjectProperty(olds).DeepEquals(resource.NewObjectProperty(news)) {
		changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	return &pulumirpc.DiffResponse{Changes: changes}, nil
}

func (s *server) Configure(_ context.Context, req *pulumirpc.ConfigureRequest) (*pulumirpc.ConfigureResponse, error) {
	cfg := Config{}
	// Stack config arrives as "<pkg>:config:<key>" variables (JSON-encoded for
	// non-strings); an explicit provider's inputs arrive in Args.
	for k, v := range req.GetVariables() {
		key := k[strings.LastIndex(k, ":")+1:]
		cfg[key] = v
	}
	if req.GetArgs() != nil {
		args, err := plain(req.GetArgs())
		if err != nil {
			return nil, err
		}
		for k, v := range args {
			cfg[k] = v
		}
	}
	s.mu.Lock()
	s.cfg = cfg
	s.mu.Unlock()
	return &pulumirpc.ConfigureResponse{AcceptSecrets: true, SupportsPreview: false}, nil
}

func (s *server) Check(_ context.Context, req *pulumirpc.CheckRequest) (*pulumirpc.CheckResponse, error) {
	r, err := s.resourceFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), keepOpts)
	if err != nil {
		return nil, err
	}
	olds, err := unmarshal(req.GetOlds(), keepOpts)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, k := range r.Known() {
		known[k] = true
	}
	var failures []*pulumirpc.CheckFailure
	for k := range news {
		if !known[string(k)] && !strings.HasPrefix(string(k), "__") {
			failures = append(failures, &pulumirpc.CheckFailure{Property: string(k),
				Reason: fmt.Sprintf("%q is not implemented by the %s stand-in provider (test/e2e/standins/pulumi-providers)", k, s.pkg)})
		}
	}
	name := req.GetName()
	if name == "" {
		name = resource.URN(req.GetUrn()).Name()
	}
	var defaults []string
	if nr, ok := r.(NamedResource); ok && nr.AutoName() {
		if _, has := news["name"]; !has {
			// Keep an earlier generated name so that an unrelated change does
			// not rename (and so replace) the object.
			if old, ok := olds["name"]; ok && wasDefault(olds, "name") {
				news["name"] = old
			} else {
				news["name"] = resource.NewStringProperty(name + "-" + nameSuffix(req.GetRandomSeed(), name, 7))
			}
			defaults = append(defaults, "name")
		}
	}
	plainNews := stripSecrets(news)
	plainOlds := stripSecrets(olds)
	extra, problems, err := r.Check(name, plainOlds.Mappable(), plainNews.Mappable())
	if err != nil {
		return nil, err
	}
	for _, p := range problems {
		failures = append(failures, &pulumirpc.CheckFailure{Reason: p})
	}
	for k, v := range extra {
		if _, has := news[resource.PropertyKey(k)]; !has {
			news[resource.PropertyKey(k)] = resource.NewPropertyValue(v)
			defaults = append(defaults, k)
		}
	}
	sort.Strings(defaults)
	dv := make([]resource.PropertyValue, len(defaults))
	for i, d := range defaults {
		dv[i] = resource.NewStringProperty(d)
	}
	news[defaultsKey] = resource.NewArrayProperty(dv)
	out, err := plugin.MarshalProperties(news, keepOpts)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CheckResponse{Inputs: out, Failures: failures}, nil
}

func wasDefault(pm resource.PropertyMap, key string) bool {
	d, ok := pm[defaultsKey]
	if !ok || !d.IsArray() {
		return false
	}
	for _, v := range d.ArrayValue() {
		if v.IsString() && v.StringValue() == key {
			return true
		}
	}
	return false
}

func stripSecrets(pm resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range pm {
		if k == defaultsKey {
			continue
		}
		out[k] = stripValue(v)
	}
	return out
}

func stripValue(v resource.PropertyValue) resource.PropertyValue {
	switch {
	case v.IsSecret():
		return stripValue(v.SecretValue().Element)
	case v.IsOutput():
		return stripValue(v.OutputValue().Element)
	case v.IsArray():
		a := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			a[i] = stripValue(e)
		}
		return resource.NewArrayProperty(a)
	case v.IsObject():
		return resource.NewObjectProperty(stripSecrets(v.ObjectValue()))
	}
	return v
}

func (s *server) Diff(_ context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	r, err := s.resourceFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	oldsStruct := req.GetOldInputs()
	if oldsStruct == nil {
		oldsStruct = req.GetOlds()
	}
	olds, err := unmarshal(oldsStruct, plainOpts)
	if err != nil {
		return nil, err
	}
	news, err := unmarshal(req.GetNews(), plainOpts)
	if err != nil {
		return nil, err
	}
	ignore := map[string]bool{string(defaultsKey): true}
	for _, k := range req.GetIgnoreChanges() {
		ignore[k] = true
	}
	updatable := map[string]bool{}
	for _, k := range r.Updatable() {
		updatable[k] = true
	}
	keys := map[resource.PropertyKey]bool{}
	for k := range olds {
		keys[k] = true
	}
	for k := range news {
		keys[k] = true
	}
	var diffs, replaces []string
	for k := range keys {
		if ignore[string(k)] {
			continue
		}
		o, n := olds[k], news[k]
		if o.DeepEquals(n) && !n.ContainsUnknowns() {
			continue
		}
		diffs = append(diffs, string(k))
		if !updatable[string(k)] {
			replaces = append(replaces, string(k))
		}
	}
	sort.Strings(diffs)
	sort.Strings(replaces)
	resp := &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, Diffs: diffs, Replaces: replaces}
	if len(diffs) > 0 {
		resp.Changes = pulumirpc.DiffResponse_DIFF_SOME
	}
	// Like the bridged providers: an explicitly named object cannot exist
	// twice, so it is deleted before its replacement is created.
	if nr, ok := r.(NamedResource); ok && nr.AutoName() && len(replaces) > 0 {
		newsKeep, _ := unmarshal(req.GetNews(), keepOpts)
		if !wasDefault(newsKeep, "name") {
			resp.DeleteBeforeReplace = true
		}
	}
	return resp, nil
}

// outputs merges computed outputs over the (secret-preserving) inputs.
func outputs(inputs *structpb.Struct, outs map[string]any) (*structpb.Struct, error) {
	pm, err := unmarshal(inputs, keepOpts)
	if err != nil {
		return nil, err
	}
	for k, v := range outs {
		key := resource.PropertyKey(k)
		if old, ok := pm[key]; ok && old.IsSecret() {
			// the value came from a secret input: keep it secret
			pm[key] = resource.MakeSecret(resource.NewPropertyValue(v))
			continue
		}
		pm[key] = resource.NewPropertyValue(v)
	}
	return plugin.MarshalProperties(pm, keepOpts)
}

func (s *server) Create(ctx context.Context, req *pulumirpc.CreateRequest) (*pulumirpc.CreateResponse, error) {
	r, err := s.resourceFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	in, err := plain(req.GetProperties())
	if err != nil {
		return nil, err
	}
	name := req.GetName()
	if name == "" {
		name = resource.URN(req.GetUrn()).Name()
	}
	id, outs, err := r.Create(ctx, s.config(), name, in)
	if err != nil {
		return nil, err
	}
	props, err := outputs(req.GetProperties(), outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.CreateResponse{Id: id, Properties: props}, nil
}

func (s *server) Update(ctx context.Context, req *pulumirpc.UpdateRequest) (*pulumirpc.UpdateResponse, error) {
	r, err := s.resourceFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	olds, err := plain(req.GetOlds())
	if err != nil {
		return nil, err
	}
	news, err := plain(req.GetNews())
	if err != nil {
		return nil, err
	}
	outs, err := r.Update(ctx, s.config(), req.GetId(), olds, news)
	if err != nil {
		return nil, err
	}
	props, err := outputs(req.GetNews(), outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.UpdateResponse{Properties: props}, nil
}

func (s *server) Read(ctx context.Context, req *pulumirpc.ReadRequest) (*pulumirpc.ReadResponse, error) {
	r, err := s.resourceFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := plain(req.GetProperties())
	if err != nil {
		return nil, err
	}
	outs, err := r.Read(ctx, s.config(), req.GetId(), state)
	if err != nil {
		return nil, err
	}
	if outs == nil {
		return &pulumirpc.ReadResponse{}, nil // gone: the engine drops it from the state
	}
	props, err := outputs(req.GetProperties(), outs)
	if err != nil {
		return nil, err
	}
	return &pulumirpc.ReadResponse{Id: req.GetId(), Properties: props, Inputs: req.GetInputs()}, nil
}

func (s *server) Delete(ctx context.Context, req *pulumirpc.DeleteRequest) (*emptypb.Empty, error) {
	r, err := s.resourceFor(req.GetType(), req.GetUrn())
	if err != nil {
		return nil, err
	}
	state, err := plain(req.GetProperties())
	if err != nil {
		return nil, err
	}
	return &emptypb.Empty{}, r.Delete(ctx, s.config(), req.GetId(), state)
}

func (s *server) Invoke(_ context.Context, req *pulumirpc.InvokeRequest) (*pulumirpc.InvokeResponse, error) {
	return nil, fmt.Errorf("function %s is not implemented by the %s stand-in provider (test/e2e/standins/pulumi-providers)", req.GetTok(), s.pkg)
}

func (s *server) Cancel(context.Context, *emptypb.Empty) (*emptypb.Empty, error) {
	return &emptypb.Empty{}, nil
}
