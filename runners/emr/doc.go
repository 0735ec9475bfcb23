// Package emr holds the EMR deployment assets of deliverypipe: the
// CloudFormation template (cloudformation.yaml), the pinned cfn-lint
// (requirements.txt) and the tests that check them. The plan renderer is
// runners/emr/render (make emr-plan), the PROCESS-environment boot program
// runners/emr/processboot; docs/deploy-emr.md walks through a deployment.
package emr
