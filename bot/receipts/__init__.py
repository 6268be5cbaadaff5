"""Receipts and invoices kept the way 電子帳簿保存法 asks (issue 17): the files, content-addressed."""
