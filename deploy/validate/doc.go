// Package validate checks the recipes of deploy/ offline, in a module of
// its own so that the Kubernetes, KEDA and Prometheus libraries it needs
// stay out of nsqfarm's binary: every Kubernetes manifest is decoded
// strictly into its API type (KEDA's ScaledObject included) and checked
// for what a production deployment needs, and every PromQL query of the
// Grafana dashboard and of the alert rules is parsed and checked to name
// only metrics and labels that a running farm serves. .ci/run runs it.
package validate
