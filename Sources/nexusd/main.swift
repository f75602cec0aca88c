print("nexusd")
