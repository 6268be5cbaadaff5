"""Hand-off to accounting: approved expenses and payments as journal rows (仕訳) for freee 会計 or
マネーフォワード クラウド会計 (`madoguchi export journal`)."""
