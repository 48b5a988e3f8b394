// One binary for the e2e tests' single-node Kubernetes cluster
// (scripts/toolchain/ensure-kube-cluster.sh): the five Kubernetes components
// and CoreDNS, linked once instead of six times (the link is most of a warm
// build, and a cold one compiles the shared packages once).
//
//	kube <component> [flags...]
//
// component: kube-apiserver, kube-controller-manager, kube-scheduler, kubelet,
// kube-proxy, coredns. Each runs exactly what upstream's own main runs.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	_ "time/tzdata" // CronJob time zones, as upstream's apiserver and controller-manager

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	proxy "k8s.io/kubernetes/cmd/kube-proxy/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
	kubelet "k8s.io/kubernetes/cmd/kubelet/app"

	"github.com/coredns/coredns/core/dnsserver"
	"github.com/coredns/coredns/coremain"
	// CoreDNS with only what the cluster's DNS needs: Service and Pod names
	// (kubernetes), answers cached, errors logged. No forward: the cluster's
	// namespace has no way out, so other names are refused at once.
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
)

var components = map[string]func() *cobra.Command{
	"kube-apiserver":          apiserver.NewAPIServerCommand,
	"kube-controller-manager": controllermanager.NewControllerManagerCommand,
	"kube-scheduler":          func() *cobra.Command { return scheduler.NewSchedulerCommand() },
	"kubelet":                 func() *cobra.Command { return kubelet.NewKubeletCommand(context.Background()) },
	"kube-proxy":              proxy.NewProxyCommand,
}

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	name := os.Args[1]
	if name == "coredns" {
		// The plugins it has, in the order upstream runs them.
		dnsserver.Directives = []string{"errors", "cache", "kubernetes"}
		os.Args = append([]string{name}, os.Args[2:]...)
		coremain.Run()
		return
	}
	newCommand, ok := components[name]
	if !ok {
		usage()
	}
	command := newCommand()
	command.SetArgs(os.Args[2:])
	os.Exit(cli.Run(command))
}

func usage() {
	names := []string{"coredns"}
	for name := range components {
		names = append(names, name)
	}
	fmt.Fprintf(os.Stderr, "usage: %s <%s> [flags...]\n", os.Args[0], strings.Join(names, "|"))
	os.Exit(2)
}
