// Package mototest starts moto_server (S3, DynamoDB, SSM) on loopback for
// integration tests and builds SDK clients pointed at it. Under CI=true, or
// with PUNCHLINE_REQUIRE_MOTO=1 (set by `make test`), a missing moto_server
// fails the test instead of skipping it.
package mototest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"punchline/pkg/platform/samtemplate"
)

// Region is the region tests use.
const Region = "us-east-1"

// Server is a running moto_server.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	cmd      *exec.Cmd
	out      *bytes.Buffer
}

var (
	shared     *Server
	sharedErr  error
	sharedOnce sync.Once
)

// Required reports whether a missing moto_server must fail the run.
func Required() bool {
	return os.Getenv("CI") == "true" || os.Getenv("PUNCHLINE_REQUIRE_MOTO") == "1"
}

// Start returns the package's moto_server, starting it on first use. Call
// Stop from TestMain to end it.
func Start(t testing.TB) *Server {
	t.Helper()
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		if _, lookErr := exec.LookPath("moto_server"); lookErr != nil && !Required() {
			t.Skipf("moto_server not installed (pip install 'moto[server]'); make test requires it: %v", sharedErr)
		}
		t.Fatalf("moto_server: %v", sharedErr)
	}
	return shared
}

// Stop ends the shared server, if one was started.
func Stop() {
	if shared != nil {
		_ = shared.cmd.Process.Kill()
		_ = shared.cmd.Wait()
	}
}

func start() (*Server, error) {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		return nil, err
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		s := &Server{Endpoint: "http://127.0.0.1:" + strconv.Itoa(port), out: &bytes.Buffer{}}
		s.cmd = exec.Command(bin, "-H", "127.0.0.1", "-p", strconv.Itoa(port))
		s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
		if err := s.cmd.Start(); err != nil {
			return nil, fmt.Errorf("start %s: %w", bin, err)
		}
		if err := s.waitReady(30 * time.Second); err != nil {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait()
			lastErr = fmt.Errorf("%w; output: %.500s", err, s.out.String())
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		if s.cmd.ProcessState != nil {
			return fmt.Errorf("moto_server exited")
		}
		resp, err := http.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("moto_server not ready after %s", limit)
}

// Config is an SDK config pointed at the server with dummy credentials.
func (s *Server) Config() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// Env returns the environment a function needs to use this server.
func (s *Server) Env() map[string]string {
	return map[string]string{
		"AWS_ENDPOINT_URL":          s.Endpoint,
		"AWS_REGION":                Region,
		"AWS_ACCESS_KEY_ID":         "testing",
		"AWS_SECRET_ACCESS_KEY":     "testing",
		"AWS_EC2_METADATA_DISABLED": "true",
	}
}

// S3 returns a path-style S3 client for the server.
func (s *Server) S3() *s3.Client {
	return s3.NewFromConfig(s.Config(), func(o *s3.Options) { o.UsePathStyle, o.DisableLogOutputChecksumValidationSkipped = true, true })
}

// DynamoDB returns a DynamoDB client for the server.
func (s *Server) DynamoDB() *dynamodb.Client { return dynamodb.NewFromConfig(s.Config()) }

// Bucket creates a bucket with a name unique to the test.
func (s *Server) Bucket(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("media-%d", time.Now().UnixNano())
	if _, err := s.S3().CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return name
}

// ResultsTable creates a results table unique to the test, as
// template.yaml's ResultsTable defines it (keys and indexes).
func (s *Server) ResultsTable(t testing.TB) string { return s.Table(t, "ResultsTable") }

// StateTable creates a state table unique to the test, as template.yaml's
// StateTable defines it.
func (s *Server) StateTable(t testing.TB) string { return s.Table(t, "StateTable") }

// Table creates a table unique to the test from the definition of the
// template.yaml resource id: the template is the schema's one source.
func (s *Server) Table(t testing.TB, id string) string {
	t.Helper()
	tpl, err := samtemplate.Load()
	if err != nil {
		t.Fatal(err)
	}
	def, err := tpl.Table(id)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s-%d", strings.ToLower(strings.TrimSuffix(id, "Table")), time.Now().UnixNano())
	if _, err := s.DynamoDB().CreateTable(context.Background(), CreateTableInput(name, def)); err != nil {
		t.Fatalf("create table %s from template %s: %v", name, id, err)
	}
	return name
}

// CreateTableInput is the CreateTable call for a template table definition.
func CreateTableInput(name string, def samtemplate.Table) *dynamodb.CreateTableInput {
	keys := func(parts []samtemplate.KeyPart) []types.KeySchemaElement {
		out := make([]types.KeySchemaElement, len(parts))
		for i, p := range parts {
			out[i] = types.KeySchemaElement{AttributeName: aws.String(p.Name), KeyType: types.KeyType(p.KeyType)}
		}
		return out
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingMode(def.BillingMode),
		KeySchema:   keys(def.KeySchema),
	}
	for _, a := range def.AttributeDefinitions {
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{
			AttributeName: aws.String(a.Name), AttributeType: types.ScalarAttributeType(a.Type)})
	}
	for _, ix := range def.GlobalIndexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  keys(ix.KeySchema),
			Projection: &types.Projection{ProjectionType: types.ProjectionType(ix.Projection.Type)},
		})
	}
	return in
}

// Main runs a package's tests and then stops the shared server; use it as
// `func TestMain(m *testing.M) { mototest.Main(m) }`.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}
