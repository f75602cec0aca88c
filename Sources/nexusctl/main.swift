print("nexusctl")
