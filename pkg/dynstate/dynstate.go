// Package dynstate is the state table on DynamoDB (pk S): small JSON
// documents such as sync checkpoints and model leaderboard snapshots.
package dynstate

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/meme"
)

// API is the DynamoDB calls the store makes.
type API interface {
	GetItem(context.Context, *dynamodb.GetItemInput, ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(context.Context, *dynamodb.PutItemInput, ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Store reads and writes documents in table.
type Store struct {
	api   API
	table string
}

// New returns a store for table.
func New(api API, table string) *Store { return &Store{api: api, table: table} }

// Load decodes the document at key into v; false when there is none.
func (s *Store) Load(ctx context.Context, key string, v any) (bool, error) {
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: key}},
		ConsistentRead: aws.Bool(true), // a checkpoint must be the one just written
	})
	if err != nil {
		return false, fmt.Errorf("get %s from %s: %w", key, s.table, err)
	}
	val, ok := out.Item["value"].(*types.AttributeValueMemberS)
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal([]byte(val.Value), v); err != nil {
		return false, fmt.Errorf("decode %s: %w", key, err)
	}
	return true, nil
}

// Save writes v as the document at key. Documents are JSON strings: the
// state is ours, not analysts', and JSON keeps its types exact.
func (s *Store) Save(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":         &types.AttributeValueMemberS{Value: key},
			"value":      &types.AttributeValueMemberS{Value: string(raw)},
			"updated_at": &types.AttributeValueMemberS{Value: time.Now().UTC().Format(meme.TimeLayout)},
		},
	})
	if err != nil {
		return fmt.Errorf("put %s in %s: %w", key, s.table, err)
	}
	return nil
}
