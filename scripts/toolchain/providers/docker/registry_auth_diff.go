package docker

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"google.golang.org/protobuf/types/known/structpb"
)

// WithStableRegistryAuth makes a change of registry credentials alone no
// change of the provider, as the official pulumi-docker does
// (pulumi/pulumi-docker#952, #1327): registry tokens (ACR, ECR) rotate on every
// run, and a provider update on every `up` would hide real changes and fail
// `preview --expect-no-changes`. A changed address still is a change. The
// provider is configured with the current credentials either way.
func WithStableRegistryAuth(p pulumirpc.ResourceProviderServer) pulumirpc.ResourceProviderServer {
	return &stableRegistryAuth{p}
}

type stableRegistryAuth struct {
	pulumirpc.ResourceProviderServer
}

func (s *stableRegistryAuth) DiffConfig(ctx context.Context, req *pulumirpc.DiffRequest) (*pulumirpc.DiffResponse, error) {
	resp, err := s.ResourceProviderServer.DiffConfig(ctx, req)
	if err != nil || resp.GetChanges() != pulumirpc.DiffResponse_DIFF_SOME {
		return resp, err
	}
	for _, key := range resp.GetDiffs() {
		if key != "registryAuth" {
			return resp, nil
		}
	}
	same, err := sameRegistries(req.GetOldInputs(), req.GetNews())
	if err != nil || !same {
		return resp, nil // when in doubt, the bridge's answer
	}
	return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE}, nil
}

// sameRegistries tells whether two provider configurations log in to the same
// registries the same way, whatever the credentials.
func sameRegistries(olds, news *structpb.Struct) (bool, error) {
	o, err := registries(olds)
	if err != nil {
		return false, err
	}
	n, err := registries(news)
	if err != nil {
		return false, err
	}
	return reflect.DeepEqual(o, n), nil
}

// registries lists a configuration's registry logins without their
// credentials, in a stable order. The engine hands nested provider
// configuration over as JSON text (a secret when the credentials are).
func registries(config *structpb.Struct) ([]string, error) {
	props, err := plugin.UnmarshalProperties(config, plugin.MarshalOptions{KeepSecrets: true, KeepUnknowns: true})
	if err != nil {
		return nil, err
	}
	v := props["registryAuth"]
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	var entries []map[string]interface{}
	switch {
	case v.IsNull():
	case v.IsString():
		if err := json.Unmarshal([]byte(v.StringValue()), &entries); err != nil {
			return nil, err
		}
	case v.IsArray():
		for _, e := range v.ArrayValue() {
			if !e.IsObject() {
				return nil, fmt.Errorf("registryAuth: an entry is %s, not an object", e.TypeString())
			}
			entries = append(entries, e.ObjectValue().Mappable())
		}
	default:
		return nil, fmt.Errorf("registryAuth is %s", v.TypeString()) // unknown during preview, ...
	}
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		delete(e, "username")
		delete(e, "password")
		b, err := json.Marshal(e) // map keys in order: equal entries give equal text
		if err != nil {
			return nil, err
		}
		out = append(out, string(b))
	}
	sort.Strings(out)
	return out, nil
}
