// Package jobcontrol watches and stops Beam jobs through the portable Job Management API,
// the JobService that prism and the Flink and Spark job servers all serve.
//
// An unbounded pipeline never finishes by itself. Cancelling the context
// given to beamx.Run does not stop it cleanly on prism (v2.62 panics), but a
// JobService Cancel does: the job moves to CANCELLED, beamx.Run returns nil
// and the pipeline result still carries the job's metrics. For the in-process
// prism the endpoint is *jobopts.Endpoint once the run has started.
//
// Metrics of a cancelled job hold only what finished bundles committed, so a
// caller that needs them complete waits, with Metrics, until the committed
// counters show what it expects, and cancels then.
package jobcontrol

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/metrics"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/metricsx"
	jobpb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/jobmanagement_v1"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/util/grpcx"
)

// Cancel asks the job service at endpoint to cancel every job called name
// (--job_name, see Named) that is not yet in a terminal state, and returns how many it
// asked to cancel. Whoever waits on the run sees it end as CANCELLED.
func Cancel(ctx context.Context, endpoint, name string) (int, error) {
	cc, err := grpcx.Dial(ctx, endpoint, 30*time.Second)
	if err != nil {
		return 0, fmt.Errorf("jobcontrol: connecting to job service %s: %w", endpoint, err)
	}
	defer cc.Close()
	client := jobpb.NewJobServiceClient(cc)
	jobs, err := client.GetJobs(ctx, &jobpb.GetJobsRequest{})
	if err != nil {
		return 0, fmt.Errorf("jobcontrol: listing jobs at %s: %w", endpoint, err)
	}
	n := 0
	for _, j := range jobs.GetJobInfo() {
		if !Named(j.GetJobName(), name) || terminal(j.GetState()) {
			continue
		}
		if _, err := client.Cancel(ctx, &jobpb.CancelJobRequest{JobId: j.GetJobId()}); err != nil {
			return n, fmt.Errorf("jobcontrol: cancelling job %s (%s): %w", j.GetJobId(), name, err)
		}
		n++
	}
	return n, nil
}

// Metrics returns the current metrics of the running job called name; ok is
// false while no such job is running.
func Metrics(ctx context.Context, endpoint, name string) (res *metrics.Results, ok bool, err error) {
	cc, err := grpcx.Dial(ctx, endpoint, 30*time.Second)
	if err != nil {
		return nil, false, fmt.Errorf("jobcontrol: connecting to job service %s: %w", endpoint, err)
	}
	defer cc.Close()
	client := jobpb.NewJobServiceClient(cc)
	jobs, err := client.GetJobs(ctx, &jobpb.GetJobsRequest{})
	if err != nil {
		return nil, false, fmt.Errorf("jobcontrol: listing jobs at %s: %w", endpoint, err)
	}
	for _, j := range jobs.GetJobInfo() {
		if !Named(j.GetJobName(), name) || terminal(j.GetState()) {
			continue
		}
		m, err := client.GetJobMetrics(ctx, &jobpb.GetJobMetricsRequest{JobId: j.GetJobId()})
		if err != nil {
			return nil, false, fmt.Errorf("jobcontrol: metrics of job %s (%s): %w", j.GetJobId(), name, err)
		}
		return metricsx.FromMonitoringInfos(nil, m.GetMetrics().GetAttempted(), m.GetMetrics().GetCommitted()), true, nil
	}
	return nil, false, nil
}

// Named reports whether a job service lists a job submitted as name under
// jobName. Prism lists the name itself; the Java job servers (Flink, Spark)
// list Beam Java's generated job name, since a Go client's job_name reaches
// them only as the application name: "<app>-<user>-<MMddHHmmss>-<hex>", the
// app name lower-cased, other characters than a-z and 0-9 turned into 0 and
// a leading non-letter into a.
func Named(jobName, name string) bool {
	if jobName == name {
		return true
	}
	app := []byte(strings.ToLower(name))
	for i, c := range app {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			app[i] = '0'
		}
	}
	if len(app) > 0 && (app[0] < 'a' || app[0] > 'z') {
		app[0] = 'a'
	}
	return len(app) > 0 && javaJobName.MatchString(jobName) && strings.HasPrefix(jobName, string(app)+"-") &&
		strings.Count(jobName[len(app)+1:], "-") == 2
}

// javaJobName is the shape of Beam Java's generated job names.
var javaJobName = regexp.MustCompile(`^[a-z][a-z0-9]*-[a-z0-9]*-[0-9]{10}-[0-9a-f]{1,8}$`)

func terminal(s jobpb.JobState_Enum) bool {
	switch s {
	case jobpb.JobState_DONE, jobpb.JobState_FAILED, jobpb.JobState_CANCELLED,
		jobpb.JobState_DRAINED, jobpb.JobState_UPDATED:
		return true
	}
	return false
}
