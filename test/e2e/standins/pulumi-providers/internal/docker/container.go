package docker

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dsenv/standin-providers/internal/standin"
)

// Resources maps the pulumi-docker type tokens the stand-in implements.
var Resources = map[string]standin.Resource{
	"docker:index/container:Container":         container{},
	"docker:index/network:Network":             network{},
	"docker:index/volume:Volume":               volume{},
	"docker:index/image:Image":                 image{},
	"docker:index/remoteImage:RemoteImage":     remoteImage{},
	"docker:index/registryImage:RegistryImage": registryImage{},
}

type container struct{}

func (container) AutoName() bool { return true }

func (container) Known() []string {
	return []string{"name", "image", "command", "entrypoints", "envs", "labels", "hostname", "domainname",
		"user", "workingDir", "ports", "publishAllPorts", "networksAdvanced", "networkMode", "volumes", "mounts",
		"restart", "maxRetryCount", "healthcheck", "wait", "waitTimeout", "mustRun", "start", "rm",
		"destroyGraceSeconds", "stopSignal", "stopTimeout", "gpus", "deviceRequests", "runtime", "shmSize",
		"memory", "memorySwap", "cpuShares", "cpuSet", "privileged", "capabilities", "init", "tty", "stdinOpen",
		"dns", "dnsOpts", "dnsSearches", "hosts", "logDriver", "logOpts", "groupAdds", "sysctls", "tmpfs",
		"ulimits", "securityOpts", "readOnly", "removeVolumes", "ipcMode", "pidMode", "devices"}
}

func (container) Updatable() []string {
	return []string{"restart", "maxRetryCount", "memory", "memorySwap", "cpuShares",
		"destroyGraceSeconds", "wait", "waitTimeout", "mustRun"}
}

func (container) Check(_ string, _, news map[string]any) (map[string]any, []string, error) {
	var problems []string
	if standin.Str(news, "image", "") == "" {
		if _, unknown := news["image"]; !unknown {
			problems = append(problems, "image is required")
		}
	}
	return nil, problems, nil
}

func seconds(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	return int64(d), err
}

func mb(v float64) int64 { return int64(v) * 1024 * 1024 }

func keyValues(m map[string]any, k string) []string {
	var out []string
	for kk, v := range standin.Obj(m, k) {
		out = append(out, kk+"="+fmt.Sprint(v))
	}
	return out
}

func labelMap(m map[string]any) map[string]string {
	out := map[string]string{}
	for _, e := range standin.List(m, "labels") {
		if l, ok := e.(map[string]any); ok {
			out[standin.Str(l, "label", "")] = standin.Str(l, "value", "")
		}
	}
	return out
}

func (container) body(in map[string]any) (map[string]any, []string, error) {
	cfg := map[string]any{
		"Image":  standin.Str(in, "image", ""),
		"Env":    standin.Strs(in, "envs"),
		"Labels": labelMap(in),
	}
	for src, dst := range map[string]string{"hostname": "Hostname", "domainname": "Domainname", "user": "User",
		"workingDir": "WorkingDir", "stopSignal": "StopSignal"} {
		if v := standin.Str(in, src, ""); v != "" {
			cfg[dst] = v
		}
	}
	if v, ok := in["command"]; ok && v != nil {
		cfg["Cmd"] = standin.Strs(in, "command")
	}
	if v, ok := in["entrypoints"]; ok && v != nil {
		cfg["Entrypoint"] = standin.Strs(in, "entrypoints")
	}
	if v, ok := in["stopTimeout"].(float64); ok {
		cfg["StopTimeout"] = int(v)
	}
	cfg["Tty"] = standin.Bool(in, "tty", false)
	cfg["OpenStdin"] = standin.Bool(in, "stdinOpen", false)
	if hc := standin.Obj(in, "healthcheck"); hc != nil {
		h := map[string]any{"Test": standin.Strs(hc, "tests")}
		for src, dst := range map[string]string{"interval": "Interval", "timeout": "Timeout",
			"startPeriod": "StartPeriod", "startInterval": "StartInterval"} {
			ns, err := seconds(standin.Str(hc, src, ""))
			if err != nil {
				return nil, nil, fmt.Errorf("healthcheck.%s: %w", src, err)
			}
			if ns > 0 {
				h[dst] = ns
			}
		}
		if r, ok := hc["retries"].(float64); ok {
			h["Retries"] = int(r)
		}
		cfg["Healthcheck"] = h
	}

	host := map[string]any{
		"Privileged":      standin.Bool(in, "privileged", false),
		"PublishAllPorts": standin.Bool(in, "publishAllPorts", false),
		"AutoRemove":      standin.Bool(in, "rm", false),
		"ReadonlyRootfs":  standin.Bool(in, "readOnly", false),
		"Dns":             standin.Strs(in, "dns"),
		"DnsOptions":      standin.Strs(in, "dnsOpts"),
		"DnsSearch":       standin.Strs(in, "dnsSearches"),
		"GroupAdd":        standin.Strs(in, "groupAdds"),
		"SecurityOpt":     standin.Strs(in, "securityOpts"),
	}
	if v, ok := in["init"].(bool); ok {
		host["Init"] = v
	}
	for src, dst := range map[string]string{"networkMode": "NetworkMode", "runtime": "Runtime",
		"ipcMode": "IpcMode", "pidMode": "PidMode", "cpuSet": "CpusetCpus"} {
		if v := standin.Str(in, src, ""); v != "" {
			host[dst] = v
		}
	}
	if v, ok := in["shmSize"].(float64); ok {
		host["ShmSize"] = mb(v)
	}
	if v, ok := in["memory"].(float64); ok {
		host["Memory"] = mb(v)
	}
	if v, ok := in["memorySwap"].(float64); ok {
		host["MemorySwap"] = mb(v)
	}
	if v, ok := in["cpuShares"].(float64); ok {
		host["CpuShares"] = int64(v)
	}
	if r := standin.Str(in, "restart", "no"); r != "" {
		host["RestartPolicy"] = map[string]any{"Name": r, "MaximumRetryCount": int(standin.Num(in, "maxRetryCount", 0))}
	}
	if d := standin.Str(in, "logDriver", ""); d != "" {
		lc := map[string]any{"Type": d, "Config": map[string]string{}}
		for k, v := range standin.Obj(in, "logOpts") {
			lc["Config"].(map[string]string)[k] = fmt.Sprint(v)
		}
		host["LogConfig"] = lc
	}
	if caps := standin.Obj(in, "capabilities"); caps != nil {
		host["CapAdd"] = standin.Strs(caps, "adds")
		host["CapDrop"] = standin.Strs(caps, "drops")
	}
	var extraHosts []string
	for _, e := range standin.List(in, "hosts") {
		h := e.(map[string]any)
		extraHosts = append(extraHosts, standin.Str(h, "host", "")+":"+standin.Str(h, "ip", ""))
	}
	host["ExtraHosts"] = extraHosts
	host["Sysctls"] = standin.Obj(in, "sysctls")
	host["Tmpfs"] = standin.Obj(in, "tmpfs")
	var ulimits []map[string]any
	for _, e := range standin.List(in, "ulimits") {
		u := e.(map[string]any)
		ulimits = append(ulimits, map[string]any{"Name": standin.Str(u, "name", ""),
			"Soft": int64(standin.Num(u, "soft", 0)), "Hard": int64(standin.Num(u, "hard", 0))})
	}
	host["Ulimits"] = ulimits
	var devices []map[string]any
	for _, e := range standin.List(in, "devices") {
		d := e.(map[string]any)
		hp := standin.Str(d, "hostPath", "")
		devices = append(devices, map[string]any{"PathOnHost": hp,
			"PathInContainer": standin.Str(d, "containerPath", hp), "CgroupPermissions": standin.Str(d, "permissions", "rwm")})
	}
	host["Devices"] = devices

	// GPUs: `gpus` is the CLI's --gpus syntax ("all", "device=0,2", "2").
	var reqs []map[string]any
	if g := standin.Str(in, "gpus", ""); g != "" {
		r := map[string]any{"Driver": "", "Capabilities": [][]string{{"gpu"}}}
		switch {
		case g == "all":
			r["Count"] = -1
		case strings.HasPrefix(g, "device="):
			r["DeviceIDs"] = strings.Split(strings.Trim(strings.TrimPrefix(g, "device="), `"`), ",")
		default:
			n, err := strconv.Atoi(g)
			if err != nil {
				return nil, nil, fmt.Errorf("gpus: unsupported value %q", g)
			}
			r["Count"] = n
		}
		reqs = append(reqs, r)
	}
	for _, e := range standin.List(in, "deviceRequests") {
		d := e.(map[string]any)
		r := map[string]any{"Driver": standin.Str(d, "driver", ""), "Count": int(standin.Num(d, "count", 0)),
			"DeviceIDs": standin.Strs(d, "deviceIds"), "Options": standin.Obj(d, "options")}
		// one AND-group of capabilities, as the real provider sends it
		caps := [][]string{}
		if cs := standin.Strs(d, "capabilities"); len(cs) > 0 {
			caps = append(caps, cs)
		}
		r["Capabilities"] = caps
		reqs = append(reqs, r)
	}
	if len(reqs) > 0 {
		host["DeviceRequests"] = reqs
	}

	exposed := map[string]any{}
	bindings := map[string][]map[string]string{}
	for _, e := range standin.List(in, "ports") {
		p := e.(map[string]any)
		key := fmt.Sprintf("%d/%s", int(standin.Num(p, "internal", 0)), standin.Str(p, "protocol", "tcp"))
		exposed[key] = map[string]any{}
		b := map[string]string{"HostIp": standin.Str(p, "ip", "0.0.0.0")}
		if ext, ok := p["external"].(float64); ok {
			b["HostPort"] = strconv.Itoa(int(ext))
		}
		bindings[key] = append(bindings[key], b)
	}
	cfg["ExposedPorts"] = exposed
	host["PortBindings"] = bindings

	var binds, volumesFrom []string
	for _, e := range standin.List(in, "volumes") {
		v := e.(map[string]any)
		if fc := standin.Str(v, "fromContainer", ""); fc != "" {
			volumesFrom = append(volumesFrom, fc)
			continue
		}
		src := standin.Str(v, "hostPath", standin.Str(v, "volumeName", ""))
		b := standin.Str(v, "containerPath", "")
		if src != "" {
			b = src + ":" + b
		}
		if standin.Bool(v, "readOnly", false) {
			b += ":ro"
		}
		binds = append(binds, b)
	}
	host["Binds"] = binds
	host["VolumesFrom"] = volumesFrom
	var mounts []map[string]any
	for _, e := range standin.List(in, "mounts") {
		m := e.(map[string]any)
		mt := map[string]any{"Target": standin.Str(m, "target", ""), "Type": standin.Str(m, "type", ""),
			"Source": standin.Str(m, "source", ""), "ReadOnly": standin.Bool(m, "readOnly", false)}
		if o := standin.Obj(m, "bindOptions"); o != nil {
			mt["BindOptions"] = map[string]any{"Propagation": standin.Str(o, "propagation", "")}
		}
		if o := standin.Obj(m, "volumeOptions"); o != nil {
			vo := map[string]any{"NoCopy": standin.Bool(o, "noCopy", false), "Labels": labelMap(o)}
			if d := standin.Str(o, "driverName", ""); d != "" {
				vo["DriverConfig"] = map[string]any{"Name": d, "Options": standin.Obj(o, "driverOptions")}
			}
			mt["VolumeOptions"] = vo
		}
		if o := standin.Obj(m, "tmpfsOptions"); o != nil {
			mt["TmpfsOptions"] = map[string]any{"SizeBytes": int64(standin.Num(o, "sizeBytes", 0)), "Mode": int(standin.Num(o, "mode", 0))}
		}
		mounts = append(mounts, mt)
	}
	host["Mounts"] = mounts

	// The first advanced network is joined at creation, the rest before start.
	var netNames []string
	endpoints := map[string]any{}
	for i, e := range standin.List(in, "networksAdvanced") {
		n := e.(map[string]any)
		name := standin.Str(n, "name", "")
		netNames = append(netNames, name)
		ep := map[string]any{"Aliases": standin.Strs(n, "aliases")}
		ipam := map[string]any{}
		if a := standin.Str(n, "ipv4Address", ""); a != "" {
			ipam["IPv4Address"] = a
		}
		if a := standin.Str(n, "ipv6Address", ""); a != "" {
			ipam["IPv6Address"] = a
		}
		if len(ipam) > 0 {
			ep["IPAMConfig"] = ipam
		}
		if i == 0 {
			endpoints[name] = ep
			if _, ok := host["NetworkMode"]; !ok {
				host["NetworkMode"] = name
			}
		}
	}
	cfg["HostConfig"] = host
	cfg["NetworkingConfig"] = map[string]any{"EndpointsConfig": endpoints}
	return cfg, netNames, nil
}

type inspectResult struct {
	ID     string `json:"Id"`
	Name   string
	Config struct {
		Hostname string
	}
	State struct {
		Running  bool
		ExitCode int
		Status   string
		Health   *struct{ Status string }
	}
	NetworkSettings struct {
		Ports    map[string][]struct{ HostIp, HostPort string }
		Networks map[string]struct {
			IPAddress, Gateway, MacAddress, GlobalIPv6Address, IPv6Gateway string
			IPPrefixLen, GlobalIPv6PrefixLen                               int
		}
	}
}

func (c *client) inspectContainer(ctx context.Context, id string) (*inspectResult, error) {
	var r inspectResult
	if err := c.do(ctx, "GET", "/containers/"+id+"/json", nil, nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// computed are the outputs the real provider reports besides its inputs.
func computed(in map[string]any, r *inspectResult) map[string]any {
	var nets []any
	for name, n := range r.NetworkSettings.Networks {
		nets = append(nets, map[string]any{"networkName": name, "ipAddress": n.IPAddress,
			"ipPrefixLength": float64(n.IPPrefixLen), "gateway": n.Gateway, "macAddress": n.MacAddress,
			"globalIpv6Address": n.GlobalIPv6Address, "globalIpv6PrefixLength": float64(n.GlobalIPv6PrefixLen),
			"ipv6Gateway": n.IPv6Gateway})
	}
	outs := map[string]any{"hostname": r.Config.Hostname, "networkDatas": nets, "exitCode": float64(r.State.ExitCode)}
	if ports := standin.List(in, "ports"); len(ports) > 0 {
		var filled []any
		for _, e := range ports {
			p := map[string]any{}
			for k, v := range e.(map[string]any) {
				p[k] = v
			}
			p["ip"] = standin.Str(p, "ip", "0.0.0.0")
			p["protocol"] = standin.Str(p, "protocol", "tcp")
			if _, ok := p["external"]; !ok {
				key := fmt.Sprintf("%d/%s", int(standin.Num(p, "internal", 0)), p["protocol"])
				if bs := r.NetworkSettings.Ports[key]; len(bs) > 0 {
					if n, err := strconv.Atoi(bs[0].HostPort); err == nil {
						p["external"] = float64(n)
					}
				}
			}
			filled = append(filled, p)
		}
		outs["ports"] = filled
	}
	return outs
}

func (ct container) Create(ctx context.Context, cfg standin.Config, _ string, in map[string]any) (string, map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return "", nil, err
	}
	body, nets, err := ct.body(in)
	if err != nil {
		return "", nil, err
	}
	name := standin.Str(in, "name", "")
	var created struct {
		ID string `json:"Id"`
	}
	if err := c.do(ctx, "POST", "/containers/create", url.Values{"name": {name}}, body, &created); err != nil {
		if isStatus(err, 404) {
			return "", nil, fmt.Errorf("creating container %s: %w (no image can be pulled here: build it locally first)", name, err)
		}
		return "", nil, fmt.Errorf("creating container %s: %w", name, err)
	}
	id := created.ID
	fail := func(err error) (string, map[string]any, error) {
		// Leave nothing half-made behind: the engine records no state on error.
		_ = c.do(context.Background(), "DELETE", "/containers/"+id, url.Values{"force": {"true"}, "v": {"true"}}, nil, nil)
		return "", nil, err
	}
	for i, e := range standin.List(in, "networksAdvanced") {
		if i == 0 {
			continue
		}
		n := e.(map[string]any)
		ep := map[string]any{"Aliases": standin.Strs(n, "aliases")}
		if a := standin.Str(n, "ipv4Address", ""); a != "" {
			ep["IPAMConfig"] = map[string]any{"IPv4Address": a}
		}
		if err := c.do(ctx, "POST", "/networks/"+nets[i]+"/connect", nil,
			map[string]any{"Container": id, "EndpointConfig": ep}, nil); err != nil {
			return fail(fmt.Errorf("connecting %s to network %s: %w", name, nets[i], err))
		}
	}
	if standin.Bool(in, "start", true) {
		if err := c.do(ctx, "POST", "/containers/"+id+"/start", nil, nil, nil); err != nil {
			return fail(fmt.Errorf("starting container %s: %w", name, err))
		}
		if err := ct.waitReady(ctx, c, id, in); err != nil {
			return fail(err)
		}
	}
	r, err := c.inspectContainer(ctx, id)
	if err != nil {
		if standin.Bool(in, "rm", false) && isStatus(err, 404) {
			return id, map[string]any{}, nil
		}
		return fail(err)
	}
	return id, computed(in, r), nil
}

// waitReady implements `wait` (healthy within waitTimeout) and `mustRun`.
func (container) waitReady(ctx context.Context, c *client, id string, in map[string]any) error {
	if standin.Bool(in, "rm", false) {
		return nil
	}
	deadline := time.Now().Add(time.Duration(standin.Num(in, "waitTimeout", 60)) * time.Second)
	wait := standin.Bool(in, "wait", false)
	for {
		r, err := c.inspectContainer(ctx, id)
		if err != nil {
			return err
		}
		if !r.State.Running {
			if standin.Bool(in, "mustRun", true) {
				logs := c.logs(ctx, id)
				return fmt.Errorf("container %s exited (code %d) but must run; last log lines:\n%s", r.Name, r.State.ExitCode, logs)
			}
			return nil
		}
		if !wait {
			return nil
		}
		if r.State.Health == nil || r.State.Health.Status == "healthy" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s did not become healthy within %.0fs (health: %s); last log lines:\n%s",
				r.Name, standin.Num(in, "waitTimeout", 60), r.State.Health.Status, c.logs(ctx, id))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (c *client) logs(ctx context.Context, id string) string {
	out, _ := c.cli(ctx, "", "", "logs", "--tail", "20", id)
	return out
}

func (ct container) Update(ctx context.Context, cfg standin.Config, id string, _, news map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	upd := map[string]any{"RestartPolicy": map[string]any{"Name": standin.Str(news, "restart", "no"),
		"MaximumRetryCount": int(standin.Num(news, "maxRetryCount", 0))}}
	if v, ok := news["memory"].(float64); ok {
		upd["Memory"] = mb(v)
	}
	if v, ok := news["memorySwap"].(float64); ok {
		upd["MemorySwap"] = mb(v)
	}
	if v, ok := news["cpuShares"].(float64); ok {
		upd["CpuShares"] = int64(v)
	}
	if err := c.do(ctx, "POST", "/containers/"+id+"/update", nil, upd, nil); err != nil {
		return nil, fmt.Errorf("updating container %s: %w", id, err)
	}
	r, err := c.inspectContainer(ctx, id)
	if err != nil {
		return nil, err
	}
	return computed(news, r), nil
}

func (container) Read(ctx context.Context, cfg standin.Config, id string, state map[string]any) (map[string]any, error) {
	c, err := newClient(cfg)
	if err != nil {
		return nil, err
	}
	r, err := c.inspectContainer(ctx, id)
	if isStatus(err, 404) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// As the real provider: a container that must run but does not is gone,
	// so the next update creates it again.
	if !r.State.Running && standin.Bool(state, "mustRun", true) && standin.Bool(state, "start", true) {
		return nil, nil
	}
	return computed(state, r), nil
}

func (container) Delete(ctx context.Context, cfg standin.Config, id string, state map[string]any) error {
	c, err := newClient(cfg)
	if err != nil {
		return err
	}
	if g, ok := state["destroyGraceSeconds"].(float64); ok {
		err := c.do(ctx, "POST", "/containers/"+id+"/stop", url.Values{"t": {strconv.Itoa(int(g))}}, nil, nil)
		if err != nil && !isStatus(err, 404) && !isStatus(err, 304) {
			return fmt.Errorf("stopping container %s: %w", id, err)
		}
	}
	q := url.Values{"force": {"true"}, "v": {strconv.FormatBool(standin.Bool(state, "removeVolumes", true))}}
	if err := c.do(ctx, "DELETE", "/containers/"+id, q, nil, nil); err != nil && !isStatus(err, 404) {
		return fmt.Errorf("removing container %s: %w", id, err)
	}
	return nil
}
