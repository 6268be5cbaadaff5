"""The agent surface of the bot's DM (Slack's assistant container): suggested prompts, a status while the
desk looks, and the words the prompts send. No language model: the answers are the FAQ's and the desk's."""
