// Package s3media is the media store on S3: private objects, answered with
// presigned GET URLs that work anonymously until they expire.
package s3media

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// PutAPI is the S3 call the store makes.
type PutAPI interface {
	PutObject(context.Context, *s3.PutObjectInput, ...func(*s3.Options)) (*s3.PutObjectOutput, error)
}

// PresignAPI is the presigner call the store makes.
type PresignAPI interface {
	PresignGetObject(context.Context, *s3.GetObjectInput, ...func(*s3.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

// Store puts media in bucket.
type Store struct {
	api     PutAPI
	presign PresignAPI
	bucket  string
	ttl     time.Duration
}

// New returns a store for bucket whose links live for ttl. A link signed
// with a Lambda role's temporary credentials dies with them, whichever
// comes first.
func New(api PutAPI, presign PresignAPI, bucket string, ttl time.Duration) *Store {
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
