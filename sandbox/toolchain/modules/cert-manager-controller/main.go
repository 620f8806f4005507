// cert-manager v1.21.2's own controllers (the packages under github.com/cert-manager/cert-manager/
// pkg/controller, unchanged), run out of cluster with a kubeconfig and without leader election, for
// the sandbox's exposures suite: a CA Issuer signs the Certificate of the Ingress's host.
//
// Why a main of our own: upstream's main package lives in cmd/controller, a module of its own named
// github.com/cert-manager/cert-manager/controller-binary, a path that is not fetchable (it names no
// directory of the repository), so no module proxy serves it, and the main module's zip leaves
// that directory out. This file does what its app.Run does for the controllers it enables: one
// controller.ContextFactory from the options (upstream's defaults: internal/apis/config/controller/
// v1alpha1/defaults.go), each enabled controller built by the constructor it registered with
// controller.Register and run, then the shared informers started. Left out: leader election
// (one instance), the metrics, healthz and pprof servers, ACME and the Gateway API shim.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/cert-manager/cert-manager/pkg/controller"
	logf "github.com/cert-manager/cert-manager/pkg/logs"
	"github.com/cert-manager/cert-manager/pkg/util"
	"golang.org/x/sync/errgroup"
	"k8s.io/klog/v2"

	// Each registers its controller (controller.Register in its init), as upstream's
	// cmd/controller/app/start.go imports them; the issuer packages register the Issuer types the
	// issuers controller can set up.
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/approver"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/ca"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificaterequests/selfsigned"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/issuing"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/keymanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/readiness"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/requestmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/revisionmanager"
	_ "github.com/cert-manager/cert-manager/pkg/controller/certificates/trigger"
	_ "github.com/cert-manager/cert-manager/pkg/controller/clusterissuers"
	_ "github.com/cert-manager/cert-manager/pkg/controller/issuers"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/ca"
	_ "github.com/cert-manager/cert-manager/pkg/issuer/selfsigned"
)

// What a CA (or self-signed) Issuer needs to issue a Certificate into a Secret: every controller
// upstream enables by default for those, and nothing that needs a network (ACME, Vault, Venafi).
var defaultControllers = []string{
	"issuers", "clusterissuers",
	"certificaterequests-approver", "certificaterequests-issuer-ca", "certificaterequests-issuer-selfsigned",
	"certificates-trigger", "certificates-issuing", "certificates-key-manager",
	"certificates-request-manager", "certificates-readiness", "certificates-revision-manager",
}

func main() {
	kubeconfig := flag.String("kubeconfig", "", "path to a kubeconfig (the controller runs out of cluster)")
	clusterResourceNamespace := flag.String("cluster-resource-namespace", "kube-system", "where ClusterIssuers' Secrets live (upstream's default)")
	namespace := flag.String("namespace", "", "limit to one namespace (default: all)")
	controllers := flag.String("controllers", strings.Join(defaultControllers, ","), "comma-separated controllers to run")
	workers := flag.Int("workers", 5, "workers per controller (upstream's default)")
	version := flag.Bool("version", false, "print the version and exit")
	klog.InitFlags(nil)
	flag.Parse()
	if *version {
		fmt.Printf("cert-manager controller %s (pkg/controller of github.com/cert-manager/cert-manager %s, flux-push sandbox main)\n", util.AppVersion, util.AppVersion)
		return
	}

	logf.InitLogs()
	defer logf.FlushLogs()
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx = logf.NewContext(ctx, logf.Log, "controller")
	if err := run(ctx, *kubeconfig, *namespace, *clusterResourceNamespace, strings.Split(*controllers, ","), *workers); err != nil {
		logf.Log.Error(err, "cert-manager controller failed")
		os.Exit(1)
	}
}

func run(ctx context.Context, kubeconfig, namespace, clusterResourceNamespace string, enabled []string, workers int) error {
	log := logf.FromContext(ctx)
	factory, err := controller.NewContextFactory(ctx, controller.ContextOptions{
		Kubeconfig:         kubeconfig,
		KubernetesAPIQPS:   20, // upstream's defaults
		KubernetesAPIBurst: 50,
		Namespace:          namespace,
		IssuerOptions:      controller.IssuerOptions{ClusterResourceNamespace: clusterResourceNamespace},
		CertificateOptions: controller.CertificateOptions{
			CertificateRequestMinimumBackoffDuration: time.Hour,
			CertificateRequestMaximumBackoffDuration: 32 * time.Hour,
		},
	})
	if err != nil {
		return err
	}
	base, err := factory.Build()
	if err != nil {
		return err
	}
	known := controller.Known()
	g, gctx := errgroup.WithContext(ctx)
	var started []string
	for _, name := range enabled {
		construct, ok := known[name]
		if !ok {
			names := make([]string, 0, len(known))
			for n := range known {
				names = append(names, n)
			}
			sort.Strings(names)
			return fmt.Errorf("unknown controller %q; this build has: %s", name, strings.Join(names, ", "))
		}
		c, err := construct(factory)
		if err != nil {
			return fmt.Errorf("starting controller %s: %w", name, err)
		}
		g.Go(func() error { return c.Run(workers, gctx) })
		started = append(started, name)
	}
	base.SharedInformerFactory.Start(gctx.Done())
	base.KubeSharedInformerFactory.Start(gctx.Done())
	base.HTTP01ResourceMetadataInformersFactory.Start(gctx.Done())
	log.Info("cert-manager controllers started", "version", util.AppVersion, "controllers", strings.Join(started, ","))
	return g.Wait()
}
