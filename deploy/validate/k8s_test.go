package validate

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	kedav1alpha1 "github.com/kedacore/keda/v2/apis/keda/v1alpha1"
	yamlv3 "go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// repo is the repository root, from this package's directory.
const repo = "../.."

// namespace is the one the manifests deploy to.
const namespace = "nsqfarm"

// drainBound is the longest a stopping consumer takes: its drain timeout
// (consumers/stage.DefaultDrainTimeout, 20 s) and the longest wait for a
// destination to take its last outputs (a quarter of msg_timeout, at most
// 15 s).
const drainBound = 35

// manifests holds every object of deploy/k8s, decoded strictly.
type manifests struct {
	statefulSets []*appsv1.StatefulSet
	deployments  []*appsv1.Deployment
	services     []*corev1.Service
	pdbs         []*policyv1.PodDisruptionBudget
	scaled       []*kedav1alpha1.ScaledObject
	namespaces   []*corev1.Namespace
}

// documents splits a YAML stream into its documents, skipping those that
// hold only comments.
func documents(t *testing.T, file string) [][]byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(b), -1) {
		var probe any
		if err := yaml.Unmarshal([]byte(d), &probe); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if probe != nil {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

// strict decodes doc into v, refusing unknown and duplicate fields.
func strict(t *testing.T, where string, doc []byte, v any) {
	t.Helper()
	if err := yaml.UnmarshalStrict(doc, v); err != nil {
		t.Errorf("%s: %v", where, err)
	}
}

// load decodes every manifest under deploy/k8s by its apiVersion and kind.
func load(t *testing.T, files []string) *manifests {
	t.Helper()
	m := &manifests{}
	for _, file := range files {
		for i, doc := range documents(t, file) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s #%d: %v", file, i+1, err)
			}
			where := fmt.Sprintf("%s #%d (%s %s)", file, i+1, tm.APIVersion, tm.Kind)
			switch tm.APIVersion + " " + tm.Kind {
			case "apps/v1 StatefulSet":
				m.statefulSets = append(m.statefulSets, decode[appsv1.StatefulSet](t, where, doc))
			case "apps/v1 Deployment":
				m.deployments = append(m.deployments, decode[appsv1.Deployment](t, where, doc))
			case "v1 Service":
				m.services = append(m.services, decode[corev1.Service](t, where, doc))
			case "v1 Namespace":
				m.namespaces = append(m.namespaces, decode[corev1.Namespace](t, where, doc))
			case "policy/v1 PodDisruptionBudget":
				m.pdbs = append(m.pdbs, decode[policyv1.PodDisruptionBudget](t, where, doc))
			case "keda.sh/v1alpha1 ScaledObject":
				m.scaled = append(m.scaled, decode[kedav1alpha1.ScaledObject](t, where, doc))
			default:
				t.Errorf("%s: a kind this test does not know; add it to the decoder", where)
			}
		}
	}
	return m
}

func decode[T any](t *testing.T, where string, doc []byte) *T {
	t.Helper()
	v := new(T)
	strict(t, where, doc, v)
	return v
}

func k8sFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(filepath.Join(repo, "deploy/k8s"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			files = append(files, p)
		}
		return err
	})
	if err != nil || len(files) == 0 {
		t.Fatalf("manifests under deploy/k8s: %v %v", files, err)
	}
	return files
}

// TestStrictDecodingRejects checks that the decoder used on the
// manifests refuses what it must: an unknown field, a field of the wrong
// type, a duplicate key.
func TestStrictDecodingRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"unknown field":   "apiVersion: apps/v1\nkind: Deployment\nspec: {replica: 2}\n",
		"wrong type":      "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: two}\n",
		"duplicate key":   "apiVersion: apps/v1\nkind: Deployment\nspec: {replicas: 1, replicas: 2}\n",
		"keda wrong type": "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nspec: {minReplicaCount: one}\n",
		"keda unknown":    "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nspec: {cooldown: 30}\n",
	} {
		var err error
		if strings.Contains(name, "keda") {
			err = yaml.UnmarshalStrict([]byte(doc), new(kedav1alpha1.ScaledObject))
		} else {
			err = yaml.UnmarshalStrict([]byte(doc), new(appsv1.Deployment))
		}
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// podSpecs returns the pod template of every workload, by workload.
func (m *manifests) podSpecs() map[string]*corev1.PodSpec {
	specs := map[string]*corev1.PodSpec{}
	for _, s := range m.statefulSets {
		specs["StatefulSet/"+s.Name] = &s.Spec.Template.Spec
	}
	for _, d := range m.deployments {
		specs["Deployment/"+d.Name] = &d.Spec.Template.Spec
	}
	return specs
}

func TestK8sManifests(t *testing.T) {
	m := load(t, k8sFiles(t))
	if t.Failed() {
		t.FailNow()
	}
	if len(m.namespaces) != 1 || m.namespaces[0].Name != namespace {
		t.Errorf("want one Namespace %q", namespace)
	}
	version := releaseVersion(t)
	names := map[string]bool{}
	for kind, spec := range m.podSpecs() {
		for _, c := range spec.Containers {
			where := kind + " container " + c.Name
			if want := "nsqfarm:" + version; c.Image != want {
				t.Errorf("%s: image %q, want %q (the release the Dockerfile builds)", where, c.Image, want)
			}
			if c.ImagePullPolicy != corev1.PullIfNotPresent {
				t.Errorf("%s: imagePullPolicy %q, want IfNotPresent", where, c.ImagePullPolicy)
			}
			if c.LivenessProbe == nil || c.ReadinessProbe == nil {
				t.Errorf("%s: needs both a liveness and a readiness probe", where)
			}
			for _, p := range []*corev1.Probe{c.LivenessProbe, c.ReadinessProbe} {
				if p != nil {
					checkProbePort(t, where, p, c.Ports)
				}
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okr := c.Resources.Requests[r]
				lim, okl := c.Resources.Limits[r]
				if !okr || !okl {
					t.Errorf("%s: needs a %s request and limit", where, r)
				} else if req.Cmp(lim) > 0 {
					t.Errorf("%s: %s request %s above its limit %s", where, r, req.String(), lim.String())
				}
			}
		}
	}
	for _, list := range [][]metav1.Object{objects(m.statefulSets), objects(m.deployments), objects(m.services), objects(m.pdbs), objects(m.scaled)} {
		for _, o := range list {
			if o.GetNamespace() != namespace {
				t.Errorf("%s: namespace %q, want %q", o.GetName(), o.GetNamespace(), namespace)
			}
		}
	}
	for _, s := range m.services {
		names["Service/"+s.Name] = true
	}
	for _, want := range []string{"Service/nsqadmin", "Service/nsqd", "Service/nsqlookupd"} {
		if !names[want] {
			t.Errorf("no %s", want)
		}
	}
	checkStages(t, m)
	checkPDBs(t, m)
}

// objects converts typed objects to their metadata.
func objects[T any, P interface {
	*T
	metav1.Object
}](list []*T) []metav1.Object {
	out := make([]metav1.Object, len(list))
	for i, o := range list {
		out[i] = P(o)
	}
	return out
}

// checkProbePort checks that a probe's named port is one of the
// container's.
func checkProbePort(t *testing.T, where string, p *corev1.Probe, ports []corev1.ContainerPort) {
	t.Helper()
	var name string
	switch {
	case p.HTTPGet != nil:
		name = p.HTTPGet.Port.StrVal
	case p.TCPSocket != nil:
		name = p.TCPSocket.Port.StrVal
	}
	if name == "" {
		return
	}
	if !slices.ContainsFunc(ports, func(cp corev1.ContainerPort) bool { return cp.Name == name }) {
		t.Errorf("%s: probe on port %q, which the container does not declare", where, name)
	}
}

// stageInput is what a stage of topics.yaml reads: its input topics (one,
// or several for a stage like store) on one channel.
type stageInput struct {
	topics  []string
	channel string
}

// stageTopics reads the stages of topics.yaml: input topics and channel
// by stage name.
func stageTopics(t *testing.T) map[string]stageInput {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "topics.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var top struct {
		Stages map[string]struct {
			Topic   string   `yaml:"topic"`
			Topics  []string `yaml:"topics"`
			Channel string   `yaml:"channel"`
		} `yaml:"stages"`
	}
	if err := yamlv3.Unmarshal(b, &top); err != nil {
		t.Fatal(err)
	}
	out := map[string]stageInput{}
	for name, s := range top.Stages {
		in := stageInput{topics: s.Topics, channel: s.Channel}
		if s.Topic != "" {
			in.topics = []string{s.Topic}
		}
		out[name] = in
	}
	return out
}

// nsqTriggerKeys are the metadata of KEDA's nsq scaler (KEDA 2.17+).
var nsqTriggerKeys = []string{"nsqLookupdHTTPAddresses", "topic", "channel", "depthThreshold", "activationDepthThreshold", "useHttps", "unsafeSsl"}

// checkStages checks each stage Deployment against topics.yaml and its
// ScaledObject.
func checkStages(t *testing.T, m *manifests) {
	t.Helper()
	stages := stageTopics(t)
	scaled := map[string]*kedav1alpha1.ScaledObject{}
	for _, so := range m.scaled {
		if err := kedav1alpha1.ValidateTriggers(so.Spec.Triggers); err != nil {
			t.Errorf("ScaledObject %s: %v", so.Name, err)
		}
		if so.Spec.ScaleTargetRef == nil {
			t.Errorf("ScaledObject %s: no scaleTargetRef", so.Name)
			continue
		}
		scaled[so.Spec.ScaleTargetRef.Name] = so
	}
	seen := 0
	for _, d := range m.deployments {
		c := d.Spec.Template.Spec.Containers[0]
		if len(c.Command) < 3 || c.Command[0] != "nsqfarm" || c.Command[1] != "consume" {
			continue
		}
		seen++
		stage := c.Command[2]
		where := "Deployment/" + d.Name
		tc, ok := stages[stage]
		if !ok {
			t.Errorf("%s: consumes %q, which topics.yaml does not declare", where, stage)
			continue
		}
		if d.Spec.Replicas != nil {
			t.Errorf("%s: sets replicas, which the autoscaler owns", where)
		}
		if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g == nil || *g <= drainBound {
			t.Errorf("%s: terminationGracePeriodSeconds must be above the consumers' drain (%d s)", where, drainBound)
		}
		if d.Spec.Template.Annotations["prometheus.io/scrape"] != "true" {
			t.Errorf("%s: not annotated for Prometheus", where)
		}
		so := scaled[d.Name]
		if so == nil {
			t.Errorf("%s: no KEDA ScaledObject", where)
			continue
		}
		checkScaledObject(t, so, tc)
	}
	if seen != len(stages) || len(scaled) != len(stages) {
		t.Errorf("%d stage Deployments and %d ScaledObjects for the %d stages of topics.yaml", seen, len(scaled), len(stages))
	}
}

func checkScaledObject(t *testing.T, so *kedav1alpha1.ScaledObject, in stageInput) {
	t.Helper()
	where := "ScaledObject/" + so.Name
	s := so.Spec
	if s.MinReplicaCount == nil || s.MaxReplicaCount == nil || *s.MinReplicaCount > *s.MaxReplicaCount || *s.MaxReplicaCount < 2 {
		t.Errorf("%s: needs minReplicaCount <= maxReplicaCount, max at least 2", where)
	}
	if s.CooldownPeriod == nil || s.PollingInterval == nil {
		t.Errorf("%s: needs a cooldownPeriod and a pollingInterval", where)
	}
	// One nsq trigger per input topic of the stage, each on its channel.
	var scaledOn []string
	for _, tr := range s.Triggers {
		if tr.Type != "nsq" {
			t.Errorf("%s: trigger of type %q, want nsq", where, tr.Type)
			continue
		}
		md := tr.Metadata
		for k := range md {
			if !slices.Contains(nsqTriggerKeys, k) {
				t.Errorf("%s: metadata %q is not one of the nsq scaler's %v", where, k, nsqTriggerKeys)
			}
		}
		if md["channel"] != in.channel {
			t.Errorf("%s: scales on %s/%s, the stage reads channel %s", where, md["topic"], md["channel"], in.channel)
		}
		scaledOn = append(scaledOn, md["topic"])
		for _, k := range []string{"depthThreshold", "activationDepthThreshold"} {
			if n, err := strconv.Atoi(md[k]); err != nil || n < 0 || (k == "depthThreshold" && n < 1) {
				t.Errorf("%s: %s %q is not a positive integer", where, k, md[k])
			}
		}
		for _, a := range strings.Split(md["nsqLookupdHTTPAddresses"], ",") {
			// KEDA's operator runs in its own namespace: a short name would
			// not resolve there.
			if !strings.Contains(a, "."+namespace+".svc:") {
				t.Errorf("%s: nsqlookupd address %q is not qualified with the namespace", where, a)
			}
		}
	}
	slices.Sort(scaledOn)
	want := slices.Sorted(slices.Values(in.topics))
	if !slices.Equal(scaledOn, want) {
		t.Errorf("%s: scales on the topics %v, the stage reads %v", where, scaledOn, want)
	}
}

// checkPDBs checks that every workload has a PodDisruptionBudget and that
// each budget selects a workload.
func checkPDBs(t *testing.T, m *manifests) {
	t.Helper()
	apps := map[string]bool{}
	for _, s := range m.statefulSets {
		apps[s.Spec.Selector.MatchLabels["app"]] = true
	}
	for _, d := range m.deployments {
		apps[d.Spec.Selector.MatchLabels["app"]] = true
	}
	covered := map[string]bool{}
	for _, p := range m.pdbs {
		app := p.Spec.Selector.MatchLabels["app"]
		if !apps[app] {
			t.Errorf("PodDisruptionBudget/%s selects app %q, which no workload has", p.Name, app)
		}
		if p.Spec.MinAvailable == nil && p.Spec.MaxUnavailable == nil {
			t.Errorf("PodDisruptionBudget/%s: neither minAvailable nor maxUnavailable", p.Name)
		}
		covered[app] = true
	}
	for _, app := range append([]string{"nsqd", "nsqlookupd"}, slices.Sorted(maps.Keys(stageTopics(t)))...) {
		if !covered[app] {
			t.Errorf("no PodDisruptionBudget for %s", app)
		}
	}
}

// releaseVersion is the VERSION the Dockerfile builds into the image.
func releaseVersion(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repo, "deploy/Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^ARG VERSION=(\S+)$`).FindSubmatch(b)
	if m == nil || !bytes.Contains(b, []byte("-X main.version=${VERSION}")) {
		t.Fatal("deploy/Dockerfile: no ARG VERSION=... passed to -X main.version")
	}
	return string(m[1])
}
