// Package render renders the EMR deployment plan of deliverypipe for given
// resource names: the RunJobFlow request (create-cluster.json), the bootstrap
// action, the job server start script, the EMR steps, a least-privilege IAM
// policy, CloudWatch alarms and a sizing note.
//
// On the primary node the bootstrap action builds the job server's launcher.jar
// as runners/jobserver.sh builds its launcher locally: LoopbackJobServer and
// Beam's SdkHarnessClient with runners/jvm/patches applied (patch --fuzz=0 to
// the file from the sources jar Maven fetches for the classpath's version; a
// patch that does not apply fails the bootstrap). upload.sh uploads the patch.
//
// Templates are embedded (templates/*.tmpl) and filled with text/template;
// every name is validated first, so a typo fails with a message that says
// which value is wrong and what AWS accepts, before anything is deployed.
//
//	plan, err := render.Render(render.Config{Stream: "orders", Bucket: "acme-dp", Table: "dp-kpis",
//		Region: "eu-west-1", Account: "123456789012"})
//	err = plan.WriteDir("out/emr-plan")
package render
