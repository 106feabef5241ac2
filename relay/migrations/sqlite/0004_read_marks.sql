-- How far the customer has read (the delivered/read state of agent messages in the console).
ALTER TABLE conversations ADD COLUMN customer_read_seq INTEGER NOT NULL DEFAULT 0;
