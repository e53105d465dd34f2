package dynamo

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"punchline/pkg/store/item"
)

// State reads and writes JSON documents in the state table (pk S).
type State struct {
	api   API
	table string
}

// NewState returns the state store for table.
func NewState(api API, table string) *State { return &State{api: api, table: table} }

// Load decodes the document at key into v; false when there is none.
func (s *State) Load(ctx context.Context, key string, v any) (bool, error) {
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
func (s *State) Save(ctx context.Context, key string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			"pk":         &types.AttributeValueMemberS{Value: key},
			"value":      &types.AttributeValueMemberS{Value: string(raw)},
			"updated_at": &types.AttributeValueMemberS{Value: item.Time(time.Now())},
		},
	})
	if err != nil {
		return fmt.Errorf("put %s in %s: %w", key, s.table, err)
	}
	return nil
}
