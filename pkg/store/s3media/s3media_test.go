package s3media_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"punchline/pkg/store/mototest"
	"punchline/pkg/store/s3media"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestMain(m *testing.M) { mototest.Main(m) }

// The presigned URL must work for an anonymous client right away: that is
// what the arena does with it.
func TestPutThenPresignedGetAnonymously(t *testing.T) {
	moto := mototest.Start(t)
	bucket := moto.Bucket(t)
	client := moto.S3()
	store := s3media.New(client, s3.NewPresignClient(client), bucket, 15*time.Minute)
	ctx := context.Background()

	body := bytes.Repeat([]byte("\xff\xd8meme"), 4096)
	key := "media/2026/11/21/42-abc.jpg"
	if err := store.Put(ctx, key, "image/jpeg", body); err != nil {
		t.Fatalf("Put: %v", err)
	}
	url, err := store.URL(ctx, key)
	if err != nil {
		t.Fatalf("URL: %v", err)
	}
	for _, want := range []string{"X-Amz-Signature=", "X-Amz-Expires=900", bucket, key} {
		if !strings.Contains(url, want) {
			t.Errorf("presigned URL %s lacks %q", url, want)
		}
	}
	resp, err := http.Get(url) // no credentials: just the URL
	if err != nil {
		t.Fatalf("GET presigned: %v", err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET presigned: status %d: %.200s", resp.StatusCode, got)
	}
	if !bytes.Equal(got, body) {
		t.Errorf("GET presigned returned %d bytes, want the %d put", len(got), len(body))
	}
	if ct := resp.Header.Get("Content-Type"); ct != "image/jpeg" {
		t.Errorf("Content-Type = %q, want image/jpeg", ct)
	}
}

func TestPutToMissingBucketFails(t *testing.T) {
	moto := mototest.Start(t)
	client := moto.S3()
	store := s3media.New(client, s3.NewPresignClient(client), "no-such-bucket", time.Minute)
	err := store.Put(context.Background(), "media/x.jpg", "image/jpeg", []byte("x"))
	if err == nil || !strings.Contains(err.Error(), "s3://no-such-bucket/media/x.jpg") {
		t.Fatalf("Put to missing bucket: err = %v, want a wrapped error naming the object", err)
	}
}

// Files reads a folder tree under a prefix, keyed below it, skipping
// folder markers and everything outside the prefix.
func TestFilesReadsAPrefix(t *testing.T) {
	moto := mototest.Start(t)
	bucket := moto.Bucket(t)
	client := moto.S3()
	store := s3media.New(client, s3.NewPresignClient(client), bucket, time.Minute)
	ctx := context.Background()
	for key, body := range map[string]string{
		"templates/a/template.yaml": "id: a", "templates/a/base.png": "png", "templates/b/": "",
		"templates/b/template.yaml": "id: b", "media/2026/x.jpg": "not a template", "templatesX/c": "other prefix",
	} {
		if err := store.Put(ctx, key, "application/octet-stream", []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	files, _, err := store.Files(ctx, "templates/")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a/template.yaml": "id: a", "a/base.png": "png", "b/template.yaml": "id: b"}
	if len(files) != len(want) {
		t.Errorf("files %v", files)
	}
	for k, v := range want {
		if string(files[k]) != v {
			t.Errorf("%s = %q, want %q", k, files[k], v)
		}
	}
	if files, _, err := store.Files(ctx, "nothing-here/"); err != nil || len(files) != 0 {
		t.Errorf("empty prefix: %v %v", files, err)
	}
	missing := s3media.New(client, s3.NewPresignClient(client), "no-such-bucket", time.Minute)
	if _, _, err := missing.Files(ctx, "templates/"); err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Errorf("missing bucket: %v", err)
	}
}
