package docker

import (
	"context"
	"fmt"

	"dsenv/standin-providers/internal/standin"
)

type network struct{}

func (network) AutoName() bool { return true }
func (network) Known() []string {
	return []string{"name", "driver", "internal", "attachable", "ipv6", "labels", "options",
		"ipamConfigs", "ipamDriver", "ipamOptions", "checkDuplicate", "ingress"}
}
func (network) Updatable() []string { return nil }
func (network) Check(string, map[string]any, map[string]any) (map[string]any, []string, error) {
	return nil, nil, nil
}

func (network) Create(ctx context.Context, cfg standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return "", nil, err
	}
	var pools []map[string]any
	for _, e := range standin.List(in, "ipamConfigs") {
		p := e.(map[string]any)
		pool := map[string]any{}
		for src, dst := range map[string]string{"subnet": "Subnet", "gateway": "Gateway", "ipRange": "IPRange"} {
			if v := standin.Str(p, src, ""); v != "" {
				pool[dst] = v
			}
		}
		if a := standin.Obj(p, "auxAddress"); a != nil {
			pool["AuxiliaryAddresses"] = a
		}
		pools = append(pools, pool)
	}
	body := map[string]any{
		"Name":       standin.Str(in, "name", ""),
		"Driver":     standin.Str(in, "driver", "bridge"),
		"Internal":   standin.Bool(in, "internal", false),
		"Attachable": standin.Bool(in, "attachable", false),
		"Ingress":    standin.Bool(in, "ingress", false),
		"EnableIPv6": standin.Bool(in, "ipv6", false),
		"Labels":     labelMap(in),
		"Options":    standin.Obj(in, "options"),
		"IPAM": map[string]any{"Driver": standin.Str(in, "ipamDriver", "default"), "Config": pools,
			"Options": standin.Obj(in, "ipamOptions")},
	}
	var created struct {
		ID string `json:"Id"`
	}
	if err := c.do(ctx, "POST", "/networks/create", nil, body, &created); err != nil {
		return "", nil, fmt.Errorf("creating network %s: %w", body["Name"], err)
	}
	outs, err := networkOutputs(ctx, c, created.ID)
	return created.ID, outs, err
}

func networkOutputs(ctx context.Context, c *client, id string) (map[string]any, error) {
	var r struct {
		Scope, Driver string
	}
	if err := c.do(ctx, "GET", "/networks/"+id, nil, nil, &r); err != nil {
		return nil, err
	}
	return map[string]any{"scope": r.Scope, "driver": r.Driver}, nil
}

func (network) Update(context.Context, standin.Config, string, map[string]any, map[string]any) (map[string]any, error) {
	return nil, fmt.Errorf("networks are replaced, never updated")
}

func (network) Read(ctx context.Context, cfg standin.Config, id string, _ map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	outs, err := networkOutputs(ctx, c, id)
	if isStatus(err, 404) {
		return nil, nil
	}
	return outs, err
}

func (network) Delete(ctx context.Context, cfg standin.Config, id string, _ map[string]any) error {
	c, err := newClient(cfg)
	if err != nil {
		return err
	}
	if err := c.do(ctx, "DELETE", "/networks/"+id, nil, nil, nil); err != nil && !isStatus(err, 404) {
		return fmt.Errorf("removing network %s: %w", id, err)
	}
	return nil
}

type volume struct{}

func (volume) AutoName() bool      { return true }
func (volume) Known() []string     { return []string{"name", "driver", "driverOpts", "labels"} }
func (volume) Updatable() []string { return nil }
func (volume) Check(string, map[string]any, map[string]any) (map[string]any, []string, error) {
	return nil, nil, nil
}

func (volume) Create(ctx context.Context, cfg standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return "", nil, err
	}
	body := map[string]any{"Name": standin.Str(in, "name", ""), "Driver": standin.Str(in, "driver", "local"),
		"DriverOpts": standin.Obj(in, "driverOpts"), "Labels": labelMap(in)}
	var r struct{ Name, Driver, Mountpoint string }
	if err := c.do(ctx, "POST", "/volumes/create", nil, body, &r); err != nil {
		return "", nil, fmt.Errorf("creating volume %s: %w", body["Name"], err)
	}
	return r.Name, map[string]any{"driver": r.Driver, "mountpoint": r.Mountpoint}, nil
}

func (volume) Update(context.Context, standin.Config, string, map[string]any, map[string]any) (map[string]any, error) {
	return nil, fmt.Errorf("volumes are replaced, never updated")
}

func (volume) Read(ctx context.Context, cfg standin.Config, id string, _ map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	var r struct{ Driver, Mountpoint string }
	err = c.do(ctx, "GET", "/volumes/"+id, nil, nil, &r)
	if isStatus(err, 404) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return map[string]any{"driver": r.Driver, "mountpoint": r.Mountpoint}, nil
}

func (volume) Delete(ctx context.Context, cfg standin.Config, id string, _ map[string]any) error {
	c, err := newClient(cfg)
	if err != nil {
		return err
	}
	if err := c.do(ctx, "DELETE", "/volumes/"+id, nil, nil, nil); err != nil && !isStatus(err, 404) {
		return fmt.Errorf("removing volume %s: %w", id, err)
	}
	return nil
}
