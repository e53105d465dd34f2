// Package s3media is the media store on S3: private objects, answered with
// presigned GET URLs that work anonymously until they expire.
package s3media

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// API is the S3 calls the store makes (*s3.Client has them).
type API interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	GetObject(context.Context, *s3.GetObjectInput, ...func(*s3.Options)) (*s3.GetObjectOutput, error)
	ListObjectsV2(context.Context, *s3.ListObjectsV2Input, ...func(*s3.Options)) (*s3.ListObjectsV2Output, error)
}

// PresignAPI is the presigner call the store makes.
type PresignAPI interface {
	PresignGetObject(context.Context, *s3.GetObjectInput, ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Store puts media in bucket.
type Store struct {
	api     API
	presign PresignAPI
	bucket  string
	ttl     time.Duration
}

// New returns a store for bucket whose links live for ttl. A link signed
// with a Lambda role's temporary credentials dies with them, whichever
// comes first.
func New(api API, presign PresignAPI, bucket string, ttl time.Duration) *Store {
	return &Store{api: api, presign: presign, bucket: bucket, ttl: ttl}
}

// Put uploads body under key.
func (s *Store) Put(ctx context.Context, key, contentType string, body []byte) error {
	_, err := s.api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(s.bucket),
		Key:           aws.String(key),
		Body:          bytes.NewReader(body),
		ContentLength: aws.Int64(int64(len(body))),
		ContentType:   aws.String(contentType),
		CacheControl:  aws.String("private, max-age=3600"),
	})
	if err != nil {
		return fmt.Errorf("put s3://%s/%s: %w", s.bucket, key, err)
	}
	return nil
}

// URL presigns a GET for key.
func (s *Store) URL(ctx context.Context, key string) (string, error) {
	req, err := s.presign.PresignGetObject(ctx, &s3.GetObjectInput{
		Bucket: aws.String(s.bucket),
		Key:    aws.String(key),
	}, s3.WithPresignExpires(s.ttl))
	if err != nil {
		return "", fmt.Errorf("presign s3://%s/%s: %w", s.bucket, key, err)
	}
	return req.URL, nil
}

// Limits of Files: what a prefix of the bucket may bring into memory.
const (
	MaxFiles     = 2000
	MaxFileBytes = 20 << 20
	MaxAllBytes  = 256 << 20
)

// Files reads every object under prefix into memory, keyed by its path
// below the prefix: a folder tree such as the template library. It refuses
// a prefix holding more than MaxFiles objects, MaxFileBytes in one or
// MaxAllBytes in all, and fetches the objects a few at a time, within
// ctx. A bucket has no special files, so nothing is skipped.
func (s *Store) Files(ctx context.Context, prefix string) (map[string][]byte, []string, error) {
	var keys []string
	total := int64(0)
	p := s3.NewListObjectsV2Paginator(s.api, &s3.ListObjectsV2Input{Bucket: aws.String(s.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("list s3://%s/%s: %w", s.bucket, prefix, err)
		}
		for _, o := range page.Contents {
			key := aws.ToString(o.Key)
			rel := strings.TrimPrefix(key, prefix)
			if rel == "" || strings.HasSuffix(rel, "/") {
				continue // folder markers
			}
			if len(keys) >= MaxFiles {
				return nil, nil, fmt.Errorf("s3://%s/%s: more than %d objects", s.bucket, prefix, MaxFiles)
			}
			size := aws.ToInt64(o.Size)
			if size > MaxFileBytes {
				return nil, nil, fmt.Errorf("s3://%s/%s: %d bytes, more than %d", s.bucket, key, size, MaxFileBytes)
			}
			if total += size; total > MaxAllBytes {
				return nil, nil, fmt.Errorf("s3://%s/%s: more than %d bytes in all", s.bucket, prefix, MaxAllBytes)
			}
			keys = append(keys, key)
		}
	}
	datas := make([][]byte, len(keys))
	errs := make([]error, len(keys))
	sem := make(chan struct{}, fetchers)
	var wg sync.WaitGroup
	for i, key := range keys {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			datas[i], errs[i] = s.get(ctx, key)
		}()
	}
	wg.Wait()
	out := make(map[string][]byte, len(keys))
	for i, key := range keys {
		if errs[i] != nil {
			return nil, nil, errs[i]
		}
		out[strings.TrimPrefix(key, prefix)] = datas[i]
	}
	return out, nil, nil
}

// fetchers is how many objects Files fetches at once.
const fetchers = 8

func (s *Store) get(ctx context.Context, key string) ([]byte, error) {
	obj, err := s.api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(s.bucket), Key: aws.String(key)})
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.bucket, key, err)
	}
	defer obj.Body.Close()
	data, err := io.ReadAll(io.LimitReader(obj.Body, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("get s3://%s/%s: %w", s.bucket, key, err)
	}
	if len(data) > MaxFileBytes {
		return nil, errors.New("get s3://" + s.bucket + "/" + key + ": object grew past the size cap")
	}
	return data, nil
}
